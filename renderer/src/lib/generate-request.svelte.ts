import type { GenerateJobParams } from '../../../preload/api/generation-types';
import { newSeed } from './params';
import { studio } from './studio.svelte';

/** a new random seed for the next submit, unless the parameters panel locks it */
export function nextSeed(): number {
  if (!studio.params.seedLocked) studio.params.seed = newSeed();
  return studio.params.seed;
}

/**
 * the generate job's params for one render, from the parameters panel's current values; the
 * Regions panel's preset goes with them only where asked (the Shot view: a combo's renders have no label masks)
 */
export function generateJobParams(library: string, renderId: number, extra: { comboId?: number; withRegionPreset?: boolean } = {}): GenerateJobParams {
  const p = studio.params;
  return {
    library,
    renderId,
    model: p.model,
    steps: p.steps,
    strength: p.strength,
    tacRatio: p.tacRatio,
    tacLevels: p.tacLevels,
    ...(p.inversion !== undefined ? { inversion: p.inversion } : {}),
    guidance: p.guidance,
    seed: p.seed,
    prompt: p.prompt,
    negative: $state.snapshot(p.negative),
    ...(p.maxSide > 0 ? { maxSide: p.maxSide } : {}),
    ...(extra.withRegionPreset && p.regionPreset ? { regionPreset: p.regionPreset } : {}),
    ...(extra.comboId !== undefined ? { comboId: extra.comboId } : {}),
  };
}
