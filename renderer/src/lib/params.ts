import { GENERATION_DEFAULTS, type GenerateJobParams } from '../../../preload/api/generation-types';

/** the generation parameters of the FashionR2R method as the parameters panel edits them */
export interface GenerationParams extends Pick<GenerateJobParams, 'model' | 'steps' | 'strength' | 'tacRatio' | 'tacLevels' | 'inversion' | 'guidance' | 'seed' | 'prompt' | 'negative'> {
  seedLocked: boolean;
  /** the model canvas's longer side; 0: the engine's default 768x1024 */
  maxSide: number;
  /** the region preset (by name) the shot runs with; '' for none (the Regions panel) */
  regionPreset: string;
}

/** longer sides offered for the model canvas (multiples of 64, as SD 1.x needs) */
export const CANVAS_SIDES = [0, 1024, 768, 512, 256, 128] as const;

export const DEFAULT_PARAMS: GenerationParams = {
  model: '',
  ...GENERATION_DEFAULTS,
  seed: 0,
  seedLocked: false,
  prompt: '',
  negative: { kind: 'embedding', path: '' },
  maxSide: 0,
  regionPreset: '',
};

export function newSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** the TAC ratio x strength grid of a sweep (the paper's figure uses 5 x 5) */
export function sweepGrid(ratios: number[], strengths: number[]): { tacRatio: number; strength: number }[] {
  return strengths.flatMap((strength) => ratios.map((tacRatio) => ({ tacRatio, strength })));
}
