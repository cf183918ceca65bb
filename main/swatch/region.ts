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
