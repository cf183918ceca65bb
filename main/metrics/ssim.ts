import { UserError } from '../common/errors';
import { gaussianKernel1d, reflectTable } from './gaussian';

/**
 * SSIM (Wang et al. 2004) exactly as scikit-image's `structural_similarity` computes it with
 * `gaussian_weights=True, sigma=1.5, use_sample_covariance=False` (truncate 3.5, so an 11x11
 * window), K1 = 0.01, K2 = 0.03, data range 255: local statistics by scipy's gaussian_filter
 * in 'reflect' mode, and the score is the mean of the map with a (win - 1) / 2 border cropped.
 * Everything runs in Float64 so the numbers agree with skimage to ~1e-12.
 */
export interface SsimParams {
  dataRange: number;
  k1: number;
  k2: number;
  sigma: number;
  truncate: number;
}

export const SKIMAGE_SSIM: SsimParams = { dataRange: 255, k1: 0.01, k2: 0.03, sigma: 1.5, truncate: 3.5 };

/** side of the window skimage uses: 2 * int(truncate * sigma + 0.5) + 1 */
export function ssimWindowSize(p: SsimParams = SKIMAGE_SSIM): number {
  return 2 * Math.trunc(p.truncate * p.sigma + 0.5) + 1;
}

/**
 * The full SSIM map of two planes (row-major, width * height), same size as the input:
 * the border pixels are computed from reflected neighbours, as skimage's `full=True` map.
 */
export function ssimMap(a: Float64Array, b: Float64Array, width: number, height: number, p: SsimParams = SKIMAGE_SSIM): Float64Array {
  const win = ssimWindowSize(p);
  if (a.length !== width * height || b.length !== width * height) throw new Error('ssimMap: plane sizes do not match width * height');
  if (width < win || height < win) {
    throw new UserError('image-too-small', `SSIM needs images of at least ${win}x${win} pixels, got ${width}x${height}`, 'Compare larger images.');
  }
  const kernel = gaussianKernel1d(p.sigma, p.truncate);
  const r = (kernel.length - 1) >> 1;
  const n = width * height;
  // pass 1 (rows) fills a ring of 2r + 1 rows of the four local sums of x, y, x*x + y*y, x*y
  // (the formula needs var x + var y only, so one filter serves both squares),
  // computed when pass 2 first needs them, so the working set stays in cache
  const ringRows = 2 * r + 1;
  const hx = new Float64Array(ringRows * width);
  const hy = new Float64Array(ringRows * width);
  const hss = new Float64Array(ringRows * width);
  const hxy = new Float64Array(ringRows * width);
  const held = new Int32Array(ringRows).fill(-1);
  const rowTable = reflectTable(width, r);
  const pw = width + 2 * r;
  const px = new Float64Array(pw);
  const py = new Float64Array(pw);
  const pss = new Float64Array(pw);
  const pxy = new Float64Array(pw);
  const w0 = kernel[r];
  const rowSums = (y: number): number => {
    const slot = y % ringRows;
    const base = slot * width;
    if (held[slot] === y) return base;
    held[slot] = y;
    const src = y * width;
    for (let q = 0; q < pw; q++) {
      const i = src + rowTable[q];
      const u = a[i];
      const v = b[i];
      px[q] = u;
      py[q] = v;
      pss[q] = u * u + v * v;
      pxy[q] = u * v;
    }
    for (let x = 0; x < width; x++) {
      const c = x + r;
      let sx = w0 * px[c];
      let sy = w0 * py[c];
      let sss = w0 * pss[c];
      let sxy = w0 * pxy[c];
      for (let k = 1; k <= r; k++) {
        const w = kernel[r + k];
        const lo = c - k;
        const hi = c + k;
        sx += w * (px[lo] + px[hi]);
        sy += w * (py[lo] + py[hi]);
        sss += w * (pss[lo] + pss[hi]);
        sxy += w * (pxy[lo] + pxy[hi]);
      }
      const o = base + x;
      hx[o] = sx;
      hy[o] = sy;
      hss[o] = sss;
      hxy[o] = sxy;
    }
    return base;
  };

  // pass 2 (columns), then the SSIM formula row by row
  const c1 = (p.k1 * p.dataRange) ** 2;
  const c2 = (p.k2 * p.dataRange) ** 2;
  const colTable = reflectTable(height, r);
  const ux = new Float64Array(width);
  const uy = new Float64Array(width);
  const uss = new Float64Array(width);
  const uxy = new Float64Array(width);
  const out = new Float64Array(n);
  for (let y = 0; y < height; y++) {
    // every source row of this window lies within 2r + 1 consecutive rows, so none evicts another
    for (let k = 0; k < ringRows; k++) rowSums(colTable[y + k]);
    const c = held.indexOf(colTable[y + r]) * width;
    for (let x = 0; x < width; x++) {
      ux[x] = w0 * hx[c + x];
      uy[x] = w0 * hy[c + x];
      uss[x] = w0 * hss[c + x];
      uxy[x] = w0 * hxy[c + x];
    }
    for (let k = 1; k <= r; k++) {
      const w = kernel[r + k];
      const lo = (colTable[y + r - k] % ringRows) * width;
      const hi = (colTable[y + r + k] % ringRows) * width;
      for (let x = 0; x < width; x++) {
        ux[x] += w * (hx[lo + x] + hx[hi + x]);
        uy[x] += w * (hy[lo + x] + hy[hi + x]);
        uss[x] += w * (hss[lo + x] + hss[hi + x]);
        uxy[x] += w * (hxy[lo + x] + hxy[hi + x]);
      }
    }
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const mx = ux[x];
      const my = uy[x];
      const vxvy = uss[x] - mx * mx - my * my;
      const vxy = uxy[x] - mx * my;
      const a1 = 2 * mx * my + c1;
      const a2 = 2 * vxy + c2;
      const b1 = mx * mx + my * my + c1;
      const b2 = vxvy + c2;
      out[o + x] = (a1 * a2) / (b1 * b2);
    }
  }
  return out;
}

/** mean of the map without a `pad`-pixel border: skimage's `crop(S, pad).mean()` */
export function croppedMean(map: Float64Array, width: number, height: number, pad: number): number {
  let sum = 0;
  for (let y = pad; y < height - pad; y++) {
    let row = 0;
    for (let x = pad; x < width - pad; x++) row += map[y * width + x];
    sum += row;
  }
  return sum / ((width - 2 * pad) * (height - 2 * pad));
}

/** mean of the full map where `mask` is non-zero (null when the mask selects nothing) */
export function maskedMean(map: Float64Array, mask: Uint8Array): number | null {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < map.length; i++) {
    if (mask[i]) {
      sum += map[i];
      count++;
    }
  }
  return count ? sum / count : null;
}

/** skimage's `structural_similarity(a, b, ...)` for one channel */
export function ssimPlane(a: Float64Array, b: Float64Array, width: number, height: number, p: SsimParams = SKIMAGE_SSIM): number {
  const map = ssimMap(a, b, width, height, p);
  return croppedMean(map, width, height, (ssimWindowSize(p) - 1) >> 1);
}
