import type { RgbImage } from '../metrics/image';

export type { RgbImage };

/** an empty image of the given size */
export function blankImage(width: number, height: number): RgbImage {
  const n = width * height;
  return { width, height, planes: [new Float64Array(n), new Float64Array(n), new Float64Array(n)] };
}

/** BT.601 luma of every pixel */
export function lumaOf(img: RgbImage): Float64Array {
  const [r, g, b] = img.planes;
  const y = new Float64Array(r.length);
  for (let i = 0; i < y.length; i++) y[i] = 0.299 * r[i]! + 0.587 * g[i]! + 0.114 * b[i]!;
  return y;
}

/** the pixels of an axis-aligned rectangle */
export function cropImage(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const out = blankImage(w, h);
  for (let c = 0; c < 3; c++) {
    const src = img.planes[c];
    const dst = out.planes[c];
    for (let j = 0; j < h; j++) dst.set(src.subarray((y + j) * img.width + x, (y + j) * img.width + x + w), j * w);
  }
  return out;
}

/** bilinear value of a plane at a continuous position (pixel centres at integers), clamped at the border */
export function sampleBilinear(plane: Float64Array, width: number, height: number, x: number, y: number): number {
  const cx = Math.min(Math.max(x, 0), width - 1);
  const cy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const tx = cx - x0;
  const ty = cy - y0;
  const top = plane[y0 * width + x0]! * (1 - tx) + plane[y0 * width + x1]! * tx;
  const bottom = plane[y1 * width + x0]! * (1 - tx) + plane[y1 * width + x1]! * tx;
  return top * (1 - ty) + bottom * ty;
}

/** the tile repeated (wrapping) to cover width x height, starting at tile offset (dx, dy) */
export function tileOut(tile: RgbImage, width: number, height: number, dx = 0, dy = 0): RgbImage {
  const out = blankImage(width, height);
  const mod = (a: number, n: number) => ((a % n) + n) % n;
  for (let c = 0; c < 3; c++) {
    const src = tile.planes[c];
    const dst = out.planes[c];
    for (let y = 0; y < height; y++) {
      const ty = mod(y + dy, tile.height) * tile.width;
      for (let x = 0; x < width; x++) dst[y * width + x] = src[ty + mod(x + dx, tile.width)]!;
    }
  }
  return out;
}

/** the image as interleaved 8-bit RGB, rounded and clamped */
export function toRgb8(img: RgbImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.min(255, Math.max(0, Math.round(img.planes[c][i]!)));
  return out;
}

/** interleaved 8-bit RGB as planes */
export function fromRgb8(data: Uint8Array, width: number, height: number): RgbImage {
  const out = blankImage(width, height);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) out.planes[c][i] = data[i * 3 + c]!;
  return out;
}
