import { z } from 'zod';
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
    const [{ openLibrary }, { settleOrphans }, { dressCombo }, { previewDataUrl }] = await Promise.all([
      import('../../catalog/index'),
      import('../../shots/index'),
      import('../combo-dress'),
      import('../../inference/pipelines/preview-png'),
    ]);
    const { total, k } = totalSteps(p);
    ctx.progress({ step: 0, total, message: 'reading the outfit' });
    const lib = openLibrary(p.library);
    try {
      settleOrphans(lib);
      const { generation: done, report } = await dressCombo(lib, p, {
        signal: ctx.signal,
        onProgress: (label) => ctx.progress({ step: 0, total, message: label }),
        onStep: (e) => {
          const step = e.stage === 'inversion' ? e.step : k + e.step;
          ctx.progress({ step, total, message: `${e.stage} ${e.step}/${e.total}`, ...(e.preview ? { preview: previewDataUrl(e.preview) } : {}) });
        },
      });
      ctx.progress({ step: total, total, message: `done: ${report.sampleEvaluations} sample-evaluations (${report.separateShotsSampleEvaluations} for one shot per garment)` });
      return { generationId: done.id, output: done.output!, outputPath: done.outputPath!, sampleEvaluations: report.sampleEvaluations, separateShotsSampleEvaluations: report.separateShotsSampleEvaluations };
    } finally {
      lib.close();
    }
  },
});
