/**
 * How many steps a shot runs, as FashionR2R's reference code counts them. Pure arithmetic with
 * no imports, so the engine, the job checks, the CLI help and the studio's "TAC steps: n of K"
 * label all use this one function.
 *
 * - K = int(steps * strength): diffusers' img2img `get_timesteps`, which the reference
 *   pipeline (lzpel/FashionR2R utils/diffuser_utils.py, `invert` and `__call__`) calls.
 * - TAC steps = int(steps * strength * ratio): Realistic_translation.py passes
 *   `total_steps * denoising_strength` (a float) to SelfAttentionControlEdit, which takes
 *   `int(num_steps * self_replace_steps)` (utils/Attention_replace.py, __init__). The product is
 *   not rounded to K first: 10 steps at strength 0.15 and ratio 0.9 give int(1.35) = 1 TAC step,
 *   where int(K * 0.9) would give 0.
 *
 * Both products are IEEE-754 doubles multiplied left to right, exactly as Python does, and
 * int() truncates: 100 * 0.29 is 28.999999999999996 there and here, so K = 28. No epsilon.
 */
export interface StepCounts {
  /** timesteps inverted and regenerated; 0 means the combination runs nothing */
  k: number;
  /** generation steps with texture-preserving attention control, the first of the K */
  tacSteps: number;
}

export function stepCounts(steps: number, strength: number, tacRatio: number): StepCounts {
  const k = Math.min(Math.trunc(steps * strength), steps);
  const tacSteps = Math.min(Math.trunc(steps * strength * tacRatio), k);
  return { k: Math.max(k, 0), tacSteps: Math.max(tacSteps, 0) };
}
