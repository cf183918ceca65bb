import { DdimInverseScheduler } from '../schedulers/ddim-inverse';
import { DdimScheduler } from '../schedulers/ddim';
import type { DdimConfig } from '../schedulers/scheduler-config';
import { strengthTimesteps } from '../schedulers/strength-timesteps';

/**
 * The part of the DDIM schedulers the R2R loop uses: the K timesteps of a shot and the two
 * deterministic steps (DDIM with eta = 0, and its inverse).
 */
export interface DdimSchedule {
  /** generation timesteps, descending (t = 280, 260, ..., 0 for 50 steps at strength 0.3) */
  generation: number[];
  /** inversion timesteps, ascending (the same values in reverse) */
  inversion: number[];
  /** one DDIM step from the latent at `t` to the next, less noisy one */
  step(eps: Float32Array, t: number, x: Float32Array): Float32Array;
  /** one inverse DDIM step from the latent before `t` to the latent at `t` */
  invert(eps: Float32Array, t: number, x: Float32Array): Float32Array;
  /** `step` written into `out` (which may be `x`), allocating nothing; the loop falls back to `step` without it */
  stepInto?(out: Float32Array, eps: Float32Array, t: number, x: Float32Array): Float32Array;
  /** the configuration, for the inversion cache key */
  config: unknown;
}

/** the R2R schedule for (steps, strength) from a model's scheduler configuration */
export function ddimSchedule(config: Partial<DdimConfig>, steps: number, strength: number): DdimSchedule {
  const { generation, inversion } = strengthTimesteps(config, steps, strength);
  // both schedulers are set to the full step count: their stride is num_train_timesteps // steps
  const forward = new DdimScheduler(config);
  forward.setTimesteps(steps);
  const inverse = new DdimInverseScheduler(config);
  inverse.setTimesteps(steps);
  return {
    generation,
    inversion,
    step: (eps, t, x) => forward.stepInto(new Float32Array(x.length), eps, t, x),
    invert: (eps, t, x) => inverse.stepInto(new Float32Array(x.length), eps, t, x),
    stepInto: (out, eps, t, x) => forward.stepInto(out, eps, t, x),
    config: forward.config,
  };
}
