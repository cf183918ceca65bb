/** how the image sits in the view: screen = image * scale + offset */
export interface Viewport {
  scale: number;
  x: number;
  y: number;
}

export const MIN_SCALE = 1 / 64;
export const MAX_SCALE = 32;

const clampScale = (s: number) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));

/** the whole image centred in the view, with a margin */
export function fitViewport(imageW: number, imageH: number, viewW: number, viewH: number, margin = 16): Viewport {
  const scale = clampScale(Math.min((viewW - 2 * margin) / imageW, (viewH - 2 * margin) / imageH));
  return { scale, x: (viewW - imageW * scale) / 2, y: (viewH - imageH * scale) / 2 };
}

/** one image pixel per screen pixel, keeping the image point under the view's centre */
export function actualSize(v: Viewport, viewW: number, viewH: number): Viewport {
  return zoomAt(v, 1, viewW / 2, viewH / 2);
}

/** a new scale that keeps the image point under (sx, sy) where it is on screen */
export function zoomAt(v: Viewport, scale: number, sx: number, sy: number): Viewport {
  const s = clampScale(scale);
  const ix = (sx - v.x) / v.scale;
  const iy = (sy - v.y) / v.scale;
  return { scale: s, x: sx - ix * s, y: sy - iy * s };
}

/** wheel zoom: each notch (100 px of deltaY) scales by 1.25 */
export function wheelZoom(v: Viewport, deltaY: number, sx: number, sy: number): Viewport {
  return zoomAt(v, v.scale * Math.pow(1.25, -deltaY / 100), sx, sy);
}

export function toImage(v: Viewport, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.x) / v.scale, y: (sy - v.y) / v.scale };
}
