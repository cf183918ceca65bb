import { blankImage } from './planes';
import type { RgbImage } from './planes';

/** a repeat of the texture: its size in source pixels (sub-pixel) and the tile's size in pixels */
export interface Repeat {
  periodX: number;
  periodY: number;
}

export const tileSize = (r: Repeat): [number, number] => [Math.max(1, Math.round(r.periodX)), Math.max(1, Math.round(r.periodY))];

/** the tile pixel each source column (or row) falls in: its phase within the period, in tile pixels */
export function phaseBins(extent: number, period: number, bins: number): Int32Array {
  const out = new Int32Array(extent);
  // multiply before dividing, and a hair of slack, so a whole-pixel period bins each pixel exactly once
  for (let i = 0; i < extent; i++) out[i] = Math.min(bins - 1, Math.floor(((((i % period) + period) % period) * bins) / period + 1e-9));
  return out;
}

/**
 * One repeat as the mean of every repeat in the image (phase folding): each source pixel
 * adds to the tile pixel of its phase. `divisor` (the illumination) divides each pixel
 * first. The mean of many repeats keeps the periodic pattern and averages away what does
 * not repeat (yarn noise, folds).
 */
export function foldRepeats(img: RgbImage, repeat: Repeat, divisor?: Float64Array): RgbImage {
  const [tw, th] = tileSize(repeat);
  const bx = phaseBins(img.width, repeat.periodX, tw);
  const by = phaseBins(img.height, repeat.periodY, th);
  const tile = blankImage(tw, th);
  const count = new Float64Array(tw * th);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = y * img.width + x;
      const t = by[y]! * tw + bx[x]!;
      const d = divisor ? divisor[i]! : 1;
      count[t]! += 1;
      for (let c = 0; c < 3; c++) tile.planes[c][t]! += img.planes[c][i]! / d;
    }
  }
  for (let t = 0; t < count.length; t++) for (let c = 0; c < 3; c++) tile.planes[c][t]! /= Math.max(1, count[t]!);
  return tile;
}

/** the tile laid back over the source's pixels: what the image would be without shading */
export function unfoldTile(tile: RgbImage, width: number, height: number, repeat: Repeat): RgbImage {
  const bx = phaseBins(width, repeat.periodX, tile.width);
  const by = phaseBins(height, repeat.periodY, tile.height);
  const out = blankImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = by[y]! * tile.width + bx[x]!;
      for (let c = 0; c < 3; c++) out.planes[c][y * width + x] = tile.planes[c][t]!;
    }
  }
  return out;
}
