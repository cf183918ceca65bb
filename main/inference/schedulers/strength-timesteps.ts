import { UserError } from '../../common/errors';
import { resolveConfig, type DdimConfig } from './scheduler-config';
import { ddimTimesteps } from './noise-schedule';
import { stepCounts } from '../../../preload/api/step-counts';

export interface StrengthTimesteps {
  steps: number;
  strength: number;
  /** K = int(steps * strength): the UNet steps of inversion and of generation */
  k: number;
  /** generation, descending: the last K of the DDIM scheduler's `steps` timesteps */
  generation: number[];
  /** ascending: the same timesteps reversed, as diffusers' DDIMInverseScheduler walks them */
  inversion: number[];
  /**
   * For generation step j, the index of its reference latent in the inversion's stored list
   * `[clean, after inversion step 1, ..., after step K]`: K - j, whichever order the inversion ran
   * (FashionR2R's `ref_intermediate_latents[-1 - i]`, utils/diffuser_utils.py `__call__`).
   */
  referenceIndex: number[];
}

/**
 * The timesteps of an img2img-style run as diffusers' img2img and FashionR2R's reference code
 * pick them: `init = min(int(steps * strength), steps)`, `timesteps[steps - init:]`. Both
 * schedulers must be set to `steps` (not K): their step size is num_train_timesteps // steps.
 */
export function strengthTimesteps(config: Partial<DdimConfig>, steps: number, strength: number): StrengthTimesteps {
  const resolved = resolveConfig(config);
  if (!(strength > 0 && strength <= 1)) {
    throw new UserError('bad-strength', `Strength must be above 0 and at most 1; got ${strength}.`, 'Use e.g. --strength 0.3 (FashionR2R\'s default).');
  }
  const all = ddimTimesteps(resolved, steps);
  const { k } = stepCounts(steps, strength, 0);
  if (k < 1) {
    throw new UserError('bad-strength', `With ${steps} steps and strength ${strength} no denoising step is left (int(${steps} * ${strength}) = 0).`, `Raise the strength to at least ${(1 / steps).toFixed(3)} or use more steps.`);
  }
  const generation = all.slice(steps - k);
  return {
    steps,
    strength,
    k,
    generation,
    inversion: [...generation].reverse(),
    referenceIndex: generation.map((_, j) => k - j),
  };
}
