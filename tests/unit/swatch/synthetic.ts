import { blankImage } from '../../../main/swatch/planes';
import type { RgbImage } from '../../../main/swatch/planes';

/** a value in [0, 1) for integer coordinates, stable for a seed */
export function noise(x: number, y: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(seed, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return ((h ^ (h >>> 13)) >>> 0) / 4294967296;
}

/**
 * A woven-looking colour texture with an exact repeat of px x py pixels (any real
 * numbers): a random motif on a grid of cells, looked up by phase, plus per-pixel noise
 * that does not repeat, under a smooth light that varies across the picture.
 */
export function periodicTexture(width: number, height: number, px: number, py: number, opts: { seed?: number; shading?: boolean; noise?: number; smooth?: boolean } = {}): RgbImage {
  const seed = opts.seed ?? 1;
  const cells = 6;
  const img = blankImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const cx = Math.floor((((x % px) + px) % px) / px * cells);
      const cy = Math.floor((((y % py) + py) % py) / py * cells);
      // light of mean ~1: an extracted swatch keeps the patch's mean brightness
      const light = opts.shading ? 1 + 0.25 * Math.sin(x / 41) * Math.cos(y / 53) : 1;
      const jitter = 1 + (opts.noise ?? 0.04) * (noise(x, y, seed + 9) - 0.5);
      for (let c = 0; c < 3; c++) {
        const motif = opts.smooth ? smoothMotif(x / px, y / py, seed + c) : 40 + 180 * noise(cx, cy * 7 + c, seed);
        img.planes[c][y * width + x] = motif * light * jitter;
      }
    }
  }
  return img;
}

/** a band-limited motif of period 1 in u and v: three harmonics each way with random phases */
function smoothMotif(u: number, v: number, seed: number): number {
  let sum = 0;
  for (let k = 1; k <= 3; k++) {
    const phase = noise(k, 0, seed) * 2 * Math.PI;
    const phase2 = noise(k, 1, seed) * 2 * Math.PI;
    sum += (Math.cos(2 * Math.PI * k * u + phase) + Math.cos(2 * Math.PI * k * v + phase2) + Math.cos(2 * Math.PI * k * (u + v) + phase + phase2)) / k;
  }
  return 128 + 30 * sum;
}
