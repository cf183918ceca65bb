import type { MaskBitmap } from '../mask-bitmap';
import type { Rect } from '../rect';

export interface Point {
  x: number;
  y: number;
}

export type PaintMode = 'add' | 'subtract';

/**
 * Coverage of a round brush at distance d from its centre: full inside radius*hardness,
 * then a smooth falloff to zero at the radius.
 */
export function brushCoverage(d: number, radius: number, hardness: number): number {
  if (d >= radius) return 0;
  const core = radius * Math.min(1, Math.max(0, hardness));
  if (d <= core) return 1;
  const t = (d - core) / (radius - core);
  return 1 - t * t * (3 - 2 * t);
}

/**
 * A brush tip as 8-bit coverage on a (2*reach+1)^2 grid centred on a pixel: painting
 * copies it instead of evaluating the falloff per pixel, which is what keeps big soft
 * brushes on 4096x4096 layers within a frame.
 */
export interface BrushStamp {
  radius: number;
  hardness: number;
  reach: number;
  side: number;
  alpha: Uint8Array;
}

let lastStamp: BrushStamp | undefined;

export function brushStamp(radius: number, hardness: number): BrushStamp {
  if (lastStamp && lastStamp.radius === radius && lastStamp.hardness === hardness) return lastStamp;
  const reach = Math.ceil(radius) + 1;
  const side = 2 * reach + 1;
  const alpha = new Uint8Array(side * side);
  for (let y = 0; y < side; y++) {
    // pixel centres relative to the dab centre, which sits on a pixel centre
    const dy = y - reach;
    for (let x = 0; x < side; x++) {
      const dx = x - reach;
      alpha[y * side + x] = Math.round(brushCoverage(Math.sqrt(dx * dx + dy * dy), radius, hardness) * 255);
    }
  }
  return (lastStamp = { radius, hardness, reach, side, alpha });
}

/**
 * One dab, clipped to `limit`, centred on the pixel under `c`. Adding keeps the larger
 * value so a soft stroke does not build up where its dabs overlap; subtracting scales
 * down by the coverage.
 */
export function dab(bitmap: MaskBitmap, limit: Rect, c: Point, radius: number, hardness: number, mode: PaintMode): void {
  const stamp = brushStamp(radius, hardness);
  const px = Math.floor(c.x);
  const py = Math.floor(c.y);
  const x0 = Math.max(limit.x, px - stamp.reach);
  const x1 = Math.min(limit.x + limit.w, px + stamp.reach + 1);
  const y0 = Math.max(limit.y, py - stamp.reach);
  const y1 = Math.min(limit.y + limit.h, py + stamp.reach + 1);
  const { data, width } = bitmap;
  const { alpha, side, reach } = stamp;
  for (let y = y0; y < y1; y++) {
    let i = y * width + x0;
    let j = (y - py + reach) * side + (x0 - px + reach);
    if (mode === 'add') {
      for (let x = x0; x < x1; x++, i++, j++) {
        const a = alpha[j]!;
        if (a > data[i]!) data[i] = a;
      }
    } else {
      for (let x = x0; x < x1; x++, i++, j++) {
        const a = alpha[j]!;
        if (a !== 0) data[i] = Math.round((data[i]! * (255 - a)) / 255);
      }
    }
  }
}

/** centres of the dabs along a segment, spaced a quarter radius apart, excluding `from` */
export function dabsAlong(from: Point, to: Point, radius: number): Point[] {
  const spacing = Math.max(0.5, radius * 0.25);
  const len = Math.hypot(to.x - from.x, to.y - from.y);
  const n = Math.max(1, Math.ceil(len / spacing));
  const out: Point[] = [];
  for (let i = 1; i <= n; i++) out.push({ x: from.x + ((to.x - from.x) * i) / n, y: from.y + ((to.y - from.y) * i) / n });
  return out;
}
