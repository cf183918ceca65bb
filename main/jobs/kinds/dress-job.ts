import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../common/errors';
import { stepCounts } from '../../../preload/api/step-counts';
import type { DressJobParams, DressJobResult } from '../../../preload/api/outfit-types';
import { defineJobKind } from '../kind';

/** the Dress panel's params (preload/api/outfit-types.ts DressJobParams), checked on submit */
export const dressParamsSchema = z
  .object({
    library: z.string().min(1),
    comboId: z.number().int().positive(),
    model: z.string().min(1),
    prompt: z.string().max(2000),
    negative: z.string().max(2000).optional(),
    /** an outfit render of the combo (combo_renders.id): translate it instead of text-to-image */
    renderId: z.number().int().positive().optional(),
    view: z.string().min(1).max(200).optional(),
    /** garment id -> fidelity */
    fidelity: z.record(z.string().regex(/^[1-9][0-9]{0,15}$/), z.number().min(0).max(1)).optional(),
    steps: z.number().int().min(1).max(1000).optional(),
    strength: z.number().gt(0).max(1).optional(),
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    width: z.number().int().min(16).max(4096).optional(),
    height: z.number().int().min(16).max(4096).optional(),
    provider: z.string().max(100).optional(),
  })
  .strict();

export type DressParams = z.infer<typeof dressParamsSchema>;

// the UI's param type and this schema must agree
type Same<A, B> = [A, keyof A] extends [B, keyof B] ? ([B, keyof B] extends [A, keyof A] ? true : false) : false;
export const dressParamsAgree: Same<DressParams, DressJobParams> = true;

export const DRESS_DEFAULT_STEPS = 20;
export const DRESS_DEFAULT_STRENGTH = 0.6;

/** denoising steps the shot reports: all of them from text, inversion + generation from a render */
function totalSteps(p: DressParams): { total: number; k: number } {
  const steps = p.steps ?? DRESS_DEFAULT_STEPS;
  if (p.renderId === undefined) return { total: steps, k: 0 };
  const k = stepCounts(steps, p.strength ?? DRESS_DEFAULT_STRENGTH, 0).k;
  return { total: 2 * k, k };
}

/**
 * The Combos view's Dress: one image of the whole combo worn, each garment's texture acting
 * only in its region (the saved layout, else the auto layout by role). Recorded as a
 * generation of the combo with the layout, params and the shot's report, so it shows in the
 * combo's history and Compare; failed and cancelled shots are recorded as such.
 */
export const dressJob = defineJobKind({
  name: 'dress',
  summary: 'dress a combo: one shot of a person wearing all its garments (reference attention per garment region)',
  params: dressParamsSchema,
  async run(p, ctx): Promise<DressJobResult> {
    // the engine (onnxruntime) loads in the job worker only
    const [catalog, { settleOrphans, startOwnedGeneration }, { makeDressShot }, { previewDataUrl }, { outfitInputs }] = await Promise.all([
      import('../../catalog/index'),
      import('../../shots/index'),
      import('../../shots/dress-shot'),
      import('../../inference/pipelines/preview-png'),
      import('../outfit-inputs'),
    ]);
    const { total, k } = totalSteps(p);
    ctx.progress({ step: 0, total, message: 'reading the outfit' });
    const lib = catalog.openLibrary(p.library);
    try {
      settleOrphans(lib);
      const combo = catalog.getCombo(lib, p.comboId);
      const inputs = outfitInputs(lib, p.comboId, p.view);
      if (inputs.garments.length === 0) {
        const why = inputs.skipped.map((s) => `${s.sku}: ${s.reason}`).join('; ');
        throw new UserError('outfit-empty', `“${combo.name}” has no garment to dress${why ? ` (${why})` : ''}`, 'Add a top, bottom, outer garment, dress or shoes with a render to the combo.');
      }
      const render = p.renderId !== undefined ? catalog.getComboRender(lib, p.renderId) : undefined;
      if (render && render.comboId !== p.comboId) throw new UserError('unknown-combo-render', `outfit render #${render.id} belongs to another combo`, 'Pick one of this combo’s outfit renders.');
      const seed = p.seed ?? Math.floor(Math.random() * 2 ** 32);
      const garments = inputs.garments.map((g, i) => ({
        image: g.image,
        role: inputs.boxes[i]!.role,
        region: inputs.boxes[i]!.box,
        fidelity: p.fidelity?.[String(g.garmentId)] ?? 1,
        name: g.sku,
      }));
      const recorded = {
        kind: 'dress',
        comboId: p.comboId,
        prompt: p.prompt,
        ...(p.negative !== undefined ? { negative: p.negative } : {}),
        view: p.view ?? 'front',
        ...(render ? { comboRenderId: render.id } : {}),
        steps: p.steps ?? DRESS_DEFAULT_STEPS,
        ...(render ? { strength: p.strength ?? DRESS_DEFAULT_STRENGTH } : {}),
        ...(p.width !== undefined ? { width: p.width } : {}),
        ...(p.height !== undefined ? { height: p.height } : {}),
        garments: inputs.boxes.map((b, i) => ({ garmentId: b.garmentId, sku: b.sku, role: b.role, renderId: b.renderId, box: b.box, edited: b.edited, fidelity: garments[i]!.fidelity })),
        skipped: inputs.skipped,
      };
      const owned = startOwnedGeneration(lib, { source: { comboId: p.comboId }, model: resolve(p.model), params: recorded, seed });
      const dir = await mkdtemp(join(tmpdir(), 'r2r-dress-'));
      try {
        const output = join(dir, 'out.png');
        const { report } = await makeDressShot(
          {
            modelDir: p.model,
            garments,
            prompt: p.prompt,
            ...(p.negative !== undefined ? { negative: p.negative } : {}),
            ...(render ? { render: catalog.assetFile(lib, render.asset) } : {}),
            output,
            steps: p.steps ?? DRESS_DEFAULT_STEPS,
            ...(render ? { strength: p.strength ?? DRESS_DEFAULT_STRENGTH } : {}),
            seed,
            ...(p.width !== undefined ? { width: p.width } : {}),
            ...(p.height !== undefined ? { height: p.height } : {}),
            ...(p.provider !== undefined ? { provider: p.provider } : {}),
          },
          {
            signal: ctx.signal,
            onProgress: (label) => ctx.progress({ step: 0, total, message: label }),
            onStep: (e) => {
              const step = e.stage === 'inversion' ? e.step : k + e.step;
              ctx.progress({ step, total, message: `${e.stage} ${e.step}/${e.total}`, ...(e.preview ? { preview: previewDataUrl(e.preview) } : {}) });
            },
          },
        );
        const done = await catalog.storeGenerationOutput(lib, owned.generation.id, await readFile(output), { dress: report });
        ctx.progress({ step: total, total, message: `done: ${report.sampleEvaluations} sample-evaluations (${report.separateShotsSampleEvaluations} for one shot per garment)` });
        return { generationId: done.id, output: done.output!, outputPath: done.outputPath!, sampleEvaluations: report.sampleEvaluations, separateShotsSampleEvaluations: report.separateShotsSampleEvaluations };
      } catch (err) {
        catalog.updateGeneration(lib, owned.generation.id, ctx.signal.aborted ? { status: 'cancelled' } : { status: 'failed', error: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        owned.release();
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      lib.close();
    }
  },
});
