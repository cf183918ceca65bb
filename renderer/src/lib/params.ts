/** the generation parameters of the FashionR2R method as the parameters panel edits them */
export interface GenerationParams {
  model: string;
  steps: number;
  /** denoising strength: the share of the schedule that is inverted and regenerated */
  strength: number;
  /** share of the K used steps during which TAC swaps query and key */
  tacRatio: number;
  /** how many of the UNet's highest-resolution levels get TAC (SD 1.x: 2) */
  tacLevels: number;
  guidance: number;
  seed: number;
  seedLocked: boolean;
  prompt: string;
  negative: { kind: 'embedding'; path: string } | { kind: 'prompt'; text: string };
  /** the model canvas's longer side; 0: the engine's default 768x1024 */
  maxSide: number;
}

/** longer sides offered for the model canvas (multiples of 64, as SD 1.x needs) */
export const CANVAS_SIDES = [0, 1024, 768, 512, 256, 128] as const;

export const DEFAULT_PARAMS: GenerationParams = {
  model: '',
  steps: 50,
  strength: 0.3,
  tacRatio: 0.9,
  tacLevels: 2,
  guidance: 7.5,
  seed: 0,
  seedLocked: false,
  prompt: '',
  negative: { kind: 'embedding', path: '' },
  maxSide: 0,
};

/**
 * K = int(steps * strength) timesteps are used; TAC is on for the first int(K * tacRatio)
 * of them (FashionR2R's reference code). Computed with a small epsilon so 50 * 0.3 is 15,
 * not 14 from 14.999999.
 */
export function tacSteps(steps: number, strength: number, tacRatio: number): { n: number; k: number } {
  const k = Math.floor(steps * strength + 1e-9);
  return { n: Math.floor(k * tacRatio + 1e-9), k };
}

export function newSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** the TAC ratio x strength grid of a sweep (the paper's figure uses 5 x 5) */
export function sweepGrid(ratios: number[], strengths: number[]): { tacRatio: number; strength: number }[] {
  return strengths.flatMap((strength) => ratios.map((tacRatio) => ({ tacRatio, strength })));
}
