import type { OutfitBox } from '../../../preload/api/outfit-types';

/** the smallest side a box keeps when dragged or resized, as a fraction of the canvas */
export const MIN_BOX_SIDE = 0.02;

const round = (v: number) => Math.round(v * 10_000) / 10_000;

/** the box kept inside the canvas, its sides at least MIN_BOX_SIDE (a move keeps the size) */
export function clampBox(b: OutfitBox): OutfitBox {
  const w = Math.min(1, Math.max(MIN_BOX_SIDE, b.w));
  const h = Math.min(1, Math.max(MIN_BOX_SIDE, b.h));
  const x = Math.min(1 - w, Math.max(0, b.x));
  const y = Math.min(1 - h, Math.max(0, b.y));
  return { x: round(x), y: round(y), w: round(w), h: round(h) };
}

/** an arrow key's nudge: one hundredth of the canvas, a twentieth with Shift */
export function nudgeBox(b: OutfitBox, key: string, big: boolean): OutfitBox | undefined {
  const step = big ? 0.05 : 0.01;
  const by: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
  const d = by[key];
  return d ? clampBox({ ...b, x: b.x + d[0], y: b.y + d[1] }) : undefined;
}

/** a box drawn on a stage of `width` x `height` pixels, back to fractions of the canvas */
export function boxFromPixels(r: { x: number; y: number; width: number; height: number }, width: number, height: number): OutfitBox {
  return clampBox({ x: r.x / width, y: r.y / height, w: r.width / width, h: r.height / height });
}

export const sameBox = (a: OutfitBox, b: OutfitBox) => a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;

/** one colour per garment, by its place in the outfit */
export const GARMENT_COLOURS = ['#ff7a59', '#4fc3f7', '#9ccc65', '#ffca28', '#ba68c8', '#4db6ac'];
