import { DdimInverseScheduler } from '../schedulers/ddim-inverse';
import { DdimScheduler } from '../schedulers/ddim';
import type { DdimConfig } from '../schedulers/scheduler-config';
import { stableDiffusionPipelineConfig } from '../schedulers/sd-pipeline-config';
import { strengthTimesteps } from '../schedulers/strength-timesteps';

/**
 * The order the inversion visits the K timesteps.
 * - `official`: FashionR2R's `invert()` (utils/diffuser_utils.py) loops over `get_timesteps` as
 *   it returns them, descending (t_K first), and steps each with its `next_step`: from the
 *   latent taken to be at t - stride, to t. The method's defaults were tuned on this order.
 * - `ddim`: the textbook inversion (diffusers' DDIMInverseScheduler), ascending, t_1 first.
 * Both use the same step formula and store latents in the order they ran; generation step j
 * takes stored latent K - j as its reference (`ref_intermediate_latents[-1 - i]` in `__call__`).
 */
export { INVERSION_ORDERS, type InversionOrder } from '../generation-defaults';
import type { InversionOrder } from '../generation-defaults';

/**
 * The part of the DDIM schedulers the R2R loop uses: the K timesteps of a shot and the two
 * deterministic steps (DDIM with eta = 0, and its inverse).
 */
export interface DdimSchedule {
  /** generation timesteps, descending (t = 281, 261, ..., 1 for 50 steps at strength 0.3) */
  generation: number[];
  /** inversion timesteps in the order the inversion runs them (see InversionOrder) */
  inversion: number[];
  inversionOrder: InversionOrder;
  /** one DDIM step from the latent at `t` to the next, less noisy one */
  step(eps: Float32Array, t: number, x: Float32Array): Float32Array;
  /** one inverse DDIM step to the latent at `t`, from the latent taken to be at t - stride */
  invert(eps: Float32Array, t: number, x: Float32Array): Float32Array;
  /** `step` written into `out` (which may be `x`), allocating nothing; the loop falls back to `step` without it */
  stepInto?(out: Float32Array, eps: Float32Array, t: number, x: Float32Array): Float32Array;
  /** the configuration the steps use, for the inversion cache key */
  config: unknown;
  /** settings of the model's scheduler config that the Stable Diffusion pipelines override, for the run report */
  adjustments?: string[];
}

/** the R2R schedule for (steps, strength) from a model's scheduler configuration, as the SD pipelines run it */
export function ddimSchedule(config: Partial<DdimConfig>, steps: number, strength: number, order: InversionOrder = 'official'): DdimSchedule {
  const sd = stableDiffusionPipelineConfig(config);
  const { generation } = strengthTimesteps(sd.config, steps, strength);
  // both schedulers are set to the full step count: their stride is num_train_timesteps // steps
  const forward = new DdimScheduler(sd.config);
  forward.setTimesteps(steps);
  // the official next_step is DDIMInverseScheduler.step: alpha from min(t - stride, 999), or the
  // clean end's alpha (final_alpha_cumprod) below 0, to alpha at t
  const inverse = new DdimInverseScheduler(sd.config);
  inverse.setTimesteps(steps);
  return {
    generation,
    inversion: order === 'official' ? [...generation] : [...generation].reverse(),
    inversionOrder: order,
    step: (eps, t, x) => forward.stepInto(new Float32Array(x.length), eps, t, x),
    invert: (eps, t, x) => inverse.stepInto(new Float32Array(x.length), eps, t, x),
    stepInto: (out, eps, t, x) => forward.stepInto(out, eps, t, x),
    config: forward.config,
    adjustments: sd.adjustments,
  };
}
