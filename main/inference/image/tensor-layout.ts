import type { RgbImage } from './fit';

/** interleaved RGB in [0, 1] -> planar [1, 3, H, W] in [-1, 1], the VAE's input range */
export function rgbToNchw(img: RgbImage): Float32Array {
  const plane = img.width * img.height;
  const out = new Float32Array(3 * plane);
  const d = img.data;
  for (let i = 0; i < plane; i++) {
    out[i] = d[3 * i]! * 2 - 1;
    out[plane + i] = d[3 * i + 1]! * 2 - 1;
    out[2 * plane + i] = d[3 * i + 2]! * 2 - 1;
  }
  return out;
}

/** planar [1, 3, H, W] in [-1, 1] -> interleaved RGB in [0, 1], clamped */
export function nchwToRgb(data: Float32Array, width: number, height: number): RgbImage {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = (data[c * plane + i]! + 1) * 0.5;
      out[3 * i + c] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return { width, height, data: out };
}
