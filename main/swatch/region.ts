import { lumaOf } from './planes';
import type { RgbImage } from './planes';

/** x, y, width, height */
export type Rect = [number, number, number, number];

/** the mask shrunk by `radius` px (square structuring element): pixels whose whole neighbourhood is inside */
export function erodeMask(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const pass = (src: Uint8Array, horizontal: boolean) => {
    const out = new Uint8Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let all = 1;
        for (let k = -radius; k <= radius && all; k++) {
          const xx = horizontal ? x + k : x;
          const yy = horizontal ? y : y + k;
          if (xx < 0 || yy < 0 || xx >= width || yy >= height || !src[yy * width + xx]) all = 0;
        }
        out[y * width + x] = all;
      }
    }
    return out;
  };
  return pass(pass(mask, true), false);
}

/**
 * The largest-area axis-aligned rectangle of mask pixels (the classic histogram-of-runs
 * method: per row, the run of inside pixels above each column, and the largest rectangle
 * under that histogram with a stack). Undefined when the mask is empty.
 */
export function largestInsideRect(mask: Uint8Array, width: number, height: number): Rect | undefined {
  const run = new Int32Array(width);
  let best: Rect | undefined;
  let bestArea = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) run[x] = mask[y * width + x] ? run[x]! + 1 : 0;
    const stack: number[] = [];
    for (let x = 0; x <= width; x++) {
      const h = x < width ? run[x]! : 0;
      while (stack.length && run[stack[stack.length - 1]!]! >= h) {
        const top = stack.pop()!;
        const left = stack.length ? stack[stack.length - 1]! + 1 : 0;
        const area = run[top]! * (x - left);
        if (area > bestArea) {
          bestArea = area;
          best = [left, y - run[top]! + 1, x - left, run[top]!];
        }
      }
      stack.push(x);
    }
  }
  return best;
}

/** the median of the border pixels per channel: the backdrop's colour */
function borderColour(img: RgbImage): [number, number, number] {
  const { width: w, height: h } = img;
  const idx: number[] = [];
  for (let x = 0; x < w; x++) idx.push(x, (h - 1) * w + x);
  for (let y = 1; y < h - 1; y++) idx.push(y * w, y * w + w - 1);
  return img.planes.map((p) => {
    const v = idx.map((i) => p[i]!).sort((a, b) => a - b);
    return v[v.length >> 1]!;
  }) as [number, number, number];
}

/**
 * Where a render on a plain backdrop shows cloth. A backdrop pixel is smooth (its luma
 * varies within a (2r + 1)^2 window by less than `maxStd` grey levels) and has the
 * backdrop's hue (its colour a multiple of the border's, within `hueTolerance`, so a
 * soft shadow on it still counts); every other pixel is cloth. Cloth has yarn-scale
 * detail or a colour of its own, and usually both.
 */
export function clothMask(img: RgbImage, radius = 2, maxStd = 1, hueTolerance = 0.03): Uint8Array {
  const { width, height } = img;
  const [br, bg, bb] = borderColour(img);
  const luma = lumaOf(img);
  const out = new Uint8Array(width * height);
  const n = (2 * radius + 1) ** 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const g = Math.max(1, img.planes[1][i]!);
      const hueOff = Math.abs(img.planes[0][i]! / g - br / Math.max(1, bg)) > hueTolerance || Math.abs(img.planes[2][i]! / g - bb / Math.max(1, bg)) > hueTolerance;
      let rough = false;
      if (!hueOff && x >= radius && y >= radius && x < width - radius && y < height - radius) {
        let s = 0;
        let ss = 0;
        for (let j = -radius; j <= radius; j++) {
          for (let k = -radius; k <= radius; k++) {
            const v = luma[(y + j) * width + x + k]!;
            s += v;
            ss += v * v;
          }
        }
        rough = ss / n - (s / n) ** 2 > maxStd * maxStd;
      }
      out[i] = hueOff || rough ? 1 : 0;
    }
  }
  return out;
}
