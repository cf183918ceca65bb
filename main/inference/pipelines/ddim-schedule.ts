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
  /** the configuration, for the inversion cache key */
  config: unknown;
}
