import sharp from 'sharp';
import type { ColorwaySpec } from './textiles';

export interface TrueTile {
  /** the repeat in pixels (sub-pixel where the textile's is) */
  periodX: number;
  periodY: number;
  /** the tile in whole pixels: one per source pixel, round(period) each way */
  width: number;
  height: number;
  /** interleaved 8-bit RGB */
  rgb: Uint8Array;
}

/**
 * The true swatch of a periodic sample textile: the mean of `repeats` x `repeats` of its
 * repeats, sampled at whole pixels as the renders sample it. Tile pixel i holds the pixels
 * whose phase lies in [i, i + 1) * period / width, so a non-integer repeat (a knit's row)
 * bins the same way an extractor folding the render must. The mean keeps the woven
 * pattern and leaves out the yarn noise, which does not repeat. Undefined for a textile
 * without a repeat.
 */
export function trueTile(spec: ColorwaySpec, seed: number, repeats?: number): TrueTile | undefined {
  if (!spec.repeat) return undefined;
  const [periodX, periodY] = spec.repeat;
  // a large repeat averages fewer copies: 8 x 8 of a 100 px plaid already leaves its
  // per-pixel yarn noise (+-6 %) at about 1 grey level
  repeats ??= Math.max(4, Math.min(16, Math.floor(Math.sqrt(640_000 / (periodX * periodY)))));
  const textile = spec.make(seed);
  const width = Math.round(periodX);
  const height = Math.round(periodY);
  const sum = new Float64Array(width * height * 3);
  const count = new Float64Array(width * height);
  // multiply before dividing, and a hair of slack, so a whole-pixel period bins each pixel exactly once
  const bin = (p: number, period: number, n: number) => Math.min(n - 1, Math.floor(((p % period) * n) / period + 1e-9));
  const gw = Math.round(periodX * repeats);
  const gh = Math.round(periodY * repeats);
  for (let v = 0; v < gh; v++) {
    const row = bin(v, periodY, height) * width;
    for (let u = 0; u < gw; u++) {
      const t = row + bin(u, periodX, width);
      const c = textile(u, v);
      sum[t * 3]! += c[0];
      sum[t * 3 + 1]! += c[1];
      sum[t * 3 + 2]! += c[2];
      count[t]! += 1;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.min(255, Math.max(0, Math.round(sum[i]! / Math.max(1, count[Math.floor(i / 3)]!))));
  return { periodX, periodY, width, height, rgb };
}

/** the true tile as PNG bytes */
export async function trueTilePng(tile: TrueTile): Promise<Buffer> {
  return sharp(Buffer.from(tile.rgb.buffer, tile.rgb.byteOffset, tile.rgb.byteLength), { raw: { width: tile.width, height: tile.height, channels: 3 } }).png().toBuffer();
}
