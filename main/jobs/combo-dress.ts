import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assetFile, getCombo, getComboRender, storeGenerationOutput, updateGeneration, type Generation, type Library } from '../catalog/index';
import { UserError } from '../common/errors';
import type { LoadedModel } from '../inference/pipelines/load-r2r-model';
import type { R2RStepEvent } from '../inference/pipelines/r2r';
import { makeDressShot, type DressShotReport } from '../shots/dress-shot';
import { startOwnedGeneration } from '../shots/ownership';
import { DRESS_DEFAULT_STEPS, DRESS_DEFAULT_STRENGTH, type DressParams } from './kinds/dress-job';
import { outfitInputs } from './outfit-inputs';

export interface ComboDressOptions {
  signal?: AbortSignal;
  onProgress?: (label: string) => void;
  onStep?: (e: R2RStepEvent) => void;
  /** a batch's model (loadDressModel): used as is and left loaded */
  loaded?: LoadedModel;
  /** recorded with the generation's params, e.g. the export job that made it */
  tag?: Record<string, string>;
}

/**
 * Dresses a combo the way the Combos view's Dress does: its garments (outfit inputs of the
 * view) in the saved layout, else the auto layout by role, from the prompt or one of its
 * outfit renders; recorded as a generation of the combo with the layout, params and the
 * shot's report. Failed and cancelled shots are recorded as such.
 */
export async function dressCombo(lib: Library, p: DressParams, opts: ComboDressOptions = {}): Promise<{ generation: Generation; report: DressShotReport }> {
  const combo = getCombo(lib, p.comboId);
  const inputs = outfitInputs(lib, p.comboId, p.view);
  if (inputs.garments.length === 0) {
    const why = inputs.skipped.map((s) => `${s.sku}: ${s.reason}`).join('; ');
    throw new UserError('outfit-empty', `“${combo.name}” has no garment to dress${why ? ` (${why})` : ''}`, 'Add a top, bottom, outer garment, dress or shoes with a render to the combo.');
  }
  const render = p.renderId !== undefined ? getComboRender(lib, p.renderId) : undefined;
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
    ...opts.tag,
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
        ...(render ? { render: assetFile(lib, render.asset) } : {}),
        output,
        steps: p.steps ?? DRESS_DEFAULT_STEPS,
        ...(render ? { strength: p.strength ?? DRESS_DEFAULT_STRENGTH } : {}),
        seed,
        ...(p.width !== undefined ? { width: p.width } : {}),
        ...(p.height !== undefined ? { height: p.height } : {}),
        ...(p.provider !== undefined ? { provider: p.provider } : {}),
      },
      { signal: opts.signal, onProgress: opts.onProgress, onStep: opts.onStep, ...(opts.loaded ? { loaded: opts.loaded } : {}) },
    );
    const generation = await storeGenerationOutput(lib, owned.generation.id, await readFile(output), { dress: report });
    return { generation, report };
  } catch (err) {
    updateGeneration(lib, owned.generation.id, opts.signal?.aborted ? { status: 'cancelled' } : { status: 'failed', error: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    owned.release();
    await rm(dir, { recursive: true, force: true });
  }
}
