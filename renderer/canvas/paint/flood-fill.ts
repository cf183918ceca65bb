/** an RGBA image as canvas ImageData holds it */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

/**
 * The render's background colour: the most common colour on the border (quantised to
 * 5 bits a channel), averaged over the border pixels of that bucket.
 */
export function borderColour(img: RgbaImage): [number, number, number] {
  const counts = new Map<number, { n: number; r: number; g: number; b: number }>();
  const visit = (x: number, y: number) => {
    const i = (y * img.width + x) * 4;
    const r = img.data[i]!, g = img.data[i + 1]!, b = img.data[i + 2]!;
    const key = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
    const c = counts.get(key) ?? { n: 0, r: 0, g: 0, b: 0 };
    c.n++;
    c.r += r;
    c.g += g;
    c.b += b;
    counts.set(key, c);
  };
  forEachBorderPixel(img.width, img.height, visit);
  let best = { n: 0, r: 0, g: 0, b: 0 };
  for (const c of counts.values()) if (c.n > best.n) best = c;
  return [best.r / best.n, best.g / best.n, best.b / best.n];
}

function forEachBorderPixel(w: number, h: number, f: (x: number, y: number) => void): void {
  for (let x = 0; x < w; x++) {
    f(x, 0);
    if (h > 1) f(x, h - 1);
  }
  for (let y = 1; y < h - 1; y++) {
    f(0, y);
    if (w > 1) f(w - 1, y);
  }
}

/**
 * The background region: pixels 4-connected to the border whose colour is within
 * `tolerance` (largest channel difference, 0..255) of the border colour. Returns a
 * width*height map, 255 on the background.
 */
export function floodFromBorder(img: RgbaImage, tolerance: number): Uint8Array {
  const { width: w, height: h, data } = img;
  const [br, bg, bb] = borderColour(img);
  const out = new Uint8Array(w * h);
  const close = (p: number) => {
    const i = p * 4;
    return Math.abs(data[i]! - br) <= tolerance && Math.abs(data[i + 1]! - bg) <= tolerance && Math.abs(data[i + 2]! - bb) <= tolerance;
  };
  const stack = new Int32Array(w * h);
  let top = 0;
  const push = (p: number) => {
    if (out[p] === 0 && close(p)) {
      out[p] = 255;
      stack[top++] = p;
    }
  };
  forEachBorderPixel(w, h, (x, y) => push(y * w + x));
  while (top > 0) {
    const p = stack[--top]!;
    const x = p % w;
    if (x > 0) push(p - 1);
    if (x < w - 1) push(p + 1);
    if (p >= w) push(p - w);
    if (p < w * (h - 1)) push(p + w);
  }
  return out;
}
