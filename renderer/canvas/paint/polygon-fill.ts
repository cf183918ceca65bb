import type { MaskBitmap } from '../mask-bitmap';
import type { Rect } from '../rect';
import type { PaintMode, Point } from './dab';

/**
 * Fills a closed polygon (even-odd rule) by scanlines; a pixel is inside when its centre
 * is. Only rows and columns within `limit` are touched.
 */
export function fillPolygon(bitmap: MaskBitmap, limit: Rect, points: readonly Point[], mode: PaintMode): void {
  if (points.length < 3) return;
  const { data, width } = bitmap;
  const value = mode === 'add' ? 255 : 0;
  const xs: number[] = [];
  for (let y = limit.y; y < limit.y + limit.h; y++) {
    const yc = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const a = points[i]!;
      const b = points[j]!;
      // half-open rule so a vertex on the scanline is counted once
      if (a.y <= yc !== b.y <= yc) xs.push(a.x + ((yc - a.y) * (b.x - a.x)) / (b.y - a.y));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(limit.x, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(limit.x + limit.w, Math.ceil(xs[k + 1]! - 0.5));
      if (to > from) data.fill(value, y * width + from, y * width + to);
    }
  }
}
