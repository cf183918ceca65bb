import { tileOut } from './planes';
import type { RgbImage } from './planes';

/** mean absolute RGB difference between column a and column b (or rows, for axis y) of a tile */
export function lineDifference(tile: RgbImage, axis: 'x' | 'y', a: number, b: number): number {
  const { width, height } = tile;
  let sum = 0;
  const n = axis === 'x' ? height : width;
  for (const plane of tile.planes) {
    for (let k = 0; k < n; k++) {
      sum += axis === 'x' ? Math.abs(plane[k * width + a]! - plane[k * width + b]!) : Math.abs(plane[a * width + k]! - plane[b * width + k]!);
    }
  }
  return sum / (3 * n);
}

/** differences of every pair of neighbouring columns (rows) inside the tile, and of its two opposite edges */
export function seamReport(tile: RgbImage, axis: 'x' | 'y'): { edges: number; inside: number[] } {
  const n = axis === 'x' ? tile.width : tile.height;
  const inside: number[] = [];
  for (let i = 0; i + 1 < n; i++) inside.push(lineDifference(tile, axis, i, i + 1));
  return { edges: lineDifference(tile, axis, n - 1, 0), inside };
}

/**
 * A folded tile wraps around (its last column is the neighbour of its first), so any cut is
 * a seam between true neighbours. The cut goes where neighbouring columns (rows) match
 * best, so what little the average leaves at a seam falls where the pattern is calm.
 */
export function cutAtCalmestSeam(tile: RgbImage): { tile: RgbImage; shift: [number, number] } {
  const pick = (axis: 'x' | 'y', n: number) => {
    let best = 0;
    let bestDiff = Infinity;
    for (let i = 0; i < n; i++) {
      const d = lineDifference(tile, axis, i, (i + 1) % n);
      if (d < bestDiff - 1e-9) [best, bestDiff] = [i, d];
    }
    return (best + 1) % n;
  };
  const sx = tile.width > 1 ? pick('x', tile.width) : 0;
  const sy = tile.height > 1 ? pick('y', tile.height) : 0;
  return { tile: tileOut(tile, tile.width, tile.height, sx, sy), shift: [sx, sy] };
}

/** the tile at another size, bilinear with wrap-around so the result still tiles */
export function resampleWrapped(tile: RgbImage, width: number, height: number): RgbImage {
  const out = tileOut(tile, width, height);
  const { width: tw, height: th } = tile;
  for (let c = 0; c < 3; c++) {
    const src = tile.planes[c];
    const dst = out.planes[c];
    for (let j = 0; j < height; j++) {
      const fy = ((j + 0.5) * th) / height - 0.5;
      const y0 = Math.floor(fy);
      const ty = fy - y0;
      const r0 = (((y0 % th) + th) % th) * tw;
      const r1 = ((((y0 + 1) % th) + th) % th) * tw;
      for (let i = 0; i < width; i++) {
        const fx = ((i + 0.5) * tw) / width - 0.5;
        const x0 = Math.floor(fx);
        const tx = fx - x0;
        const c0 = ((x0 % tw) + tw) % tw;
        const c1 = (c0 + 1) % tw;
        const top = src[r0 + c0]! * (1 - tx) + src[r0 + c1]! * tx;
        const bottom = src[r1 + c0]! * (1 - tx) + src[r1 + c1]! * tx;
        dst[j * width + i] = top * (1 - ty) + bottom * ty;
      }
    }
  }
  return out;
}
