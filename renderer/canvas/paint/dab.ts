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
 * One dab, clipped to `limit`. Adding keeps the larger value so a soft stroke does not
 * build up where its dabs overlap; subtracting scales down by the coverage.
 */
export function dab(bitmap: MaskBitmap, limit: Rect, c: Point, radius: number, hardness: number, mode: PaintMode): void {
  const x0 = Math.max(limit.x, Math.floor(c.x - radius));
  const x1 = Math.min(limit.x + limit.w, Math.ceil(c.x + radius) + 1);
  const y0 = Math.max(limit.y, Math.floor(c.y - radius));
  const y1 = Math.min(limit.y + limit.h, Math.ceil(c.y + radius) + 1);
  const { data, width } = bitmap;
  for (let y = y0; y < y1; y++) {
    // sample at pixel centres
    const dy = y + 0.5 - c.y;
    const row = y * width;
    for (let x = x0; x < x1; x++) {
      const dx = x + 0.5 - c.x;
      const a = brushCoverage(Math.sqrt(dx * dx + dy * dy), radius, hardness);
      if (a <= 0) continue;
      const i = row + x;
      if (mode === 'add') {
        const v = Math.round(a * 255);
        if (v > data[i]!) data[i] = v;
      } else {
        data[i] = Math.round(data[i]! * (1 - a));
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
