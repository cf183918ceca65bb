/**
 * Gaussian filtering exactly as scipy.ndimage.gaussian_filter computes it (what
 * scikit-image's SSIM uses): a normalised kernel of radius int(truncate * sigma + 0.5),
 * applied separably, borders in scipy's 'reflect' mode (d c b a | a b c d | d c b a).
 */

/** taps of scipy's `_gaussian_kernel1d(sigma, 0, radius)`, summing to 1 */
export function gaussianKernel1d(sigma: number, truncate = 4): Float64Array {
  const radius = Math.trunc(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * i * i);
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** scipy 'reflect' (half-sample symmetric) index into [0, n), repeating for short signals */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - 1 - j;
}

/** for each padded position p in [0, n + 2r), the source index it reads */
export function reflectTable(n: number, radius: number): Int32Array {
  const t = new Int32Array(n + 2 * radius);
  for (let p = 0; p < t.length; p++) t[p] = reflectIndex(p - radius, n);
  return t;
}

/** correlate each row with `kernel` (odd length), reflect borders; writes `out` */
export function filterRows(src: Float64Array, width: number, height: number, kernel: Float64Array, out: Float64Array): void {
  const r = (kernel.length - 1) >> 1;
  const table = reflectTable(width, r);
  const padded = new Float64Array(width + 2 * r);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    for (let p = 0; p < padded.length; p++) padded[p] = src[base + table[p]];
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = 0; k < kernel.length; k++) s += kernel[k] * padded[x + k];
      out[base + x] = s;
    }
  }
}

/** correlate each column with `kernel` (odd length), reflect borders; writes `out` */
export function filterColumns(src: Float64Array, width: number, height: number, kernel: Float64Array, out: Float64Array): void {
  const r = (kernel.length - 1) >> 1;
  const table = reflectTable(height, r);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    out.fill(0, o, o + width);
    for (let k = 0; k < kernel.length; k++) {
      const w = kernel[k];
      const s = table[y + k] * width;
      for (let x = 0; x < width; x++) out[o + x] += w * src[s + x];
    }
  }
}

/** scipy.ndimage.gaussian_filter(plane, sigma, truncate=truncate, mode='reflect') */
export function gaussianFilter(plane: Float64Array, width: number, height: number, sigma: number, truncate = 4): Float64Array {
  const kernel = gaussianKernel1d(sigma, truncate);
  const tmp = new Float64Array(plane.length);
  const out = new Float64Array(plane.length);
  filterColumns(plane, width, height, kernel, tmp);
  filterRows(tmp, width, height, kernel, out);
  return out;
}
