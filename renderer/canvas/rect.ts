/** an integer pixel rectangle, x/y inclusive, w/h may be 0 (empty) */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const EMPTY_RECT: Rect = { x: 0, y: 0, w: 0, h: 0 };

export function isEmpty(r: Rect): boolean {
  return r.w <= 0 || r.h <= 0;
}

export function union(a: Rect, b: Rect): Rect {
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

/** the part of `r` inside a width x height image */
export function clip(r: Rect, width: number, height: number): Rect {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(width, Math.ceil(r.x + r.w));
  const y1 = Math.min(height, Math.ceil(r.y + r.h));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : EMPTY_RECT;
}

/** the smallest rect holding every point, grown by `pad` on each side */
export function boundsOf(points: readonly { x: number; y: number }[], pad = 0): Rect {
  if (points.length === 0) return EMPTY_RECT;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const p of points) {
    if (p.x < x0) x0 = p.x;
    if (p.y < y0) y0 = p.y;
    if (p.x > x1) x1 = p.x;
    if (p.y > y1) y1 = p.y;
  }
  x0 = Math.floor(x0 - pad);
  y0 = Math.floor(y0 - pad);
  return { x: x0, y: y0, w: Math.ceil(x1 + pad) + 1 - x0, h: Math.ceil(y1 + pad) + 1 - y0 };
}
