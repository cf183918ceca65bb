import { mulberry32Uint32 } from '../../common/seeded-random';

/**
 * Standard-normal noise from a 32-bit seed (mulberry32 uniforms, Box-Muller pairs): the same
 * seed gives the same noise on every machine. It is R2R Studio's own stream, not torch's, so
 * a seed does not reproduce a diffusers image.
 */
export function seededNoise(seed: number, length: number): Float32Array {
  const next = mulberry32Uint32(seed);
  // the half step keeps the uniform in (0, 1): log(0) would be -Infinity
  const uniform = () => (next() + 0.5) / 4294967296;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const a = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(a);
    if (i + 1 < length) out[i + 1] = r * Math.sin(a);
  }
  return out;
}
