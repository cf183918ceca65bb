import { reflectTable } from './gaussian';

/**
 * A small Gabor bank (wavelengths 4 and 8 px, orientations 0, 45, 90, 135 degrees) on luma.
 * Each filter is complex with an isotropic gaussian envelope (sigma = 0.56 wavelength, about
 * one octave) and its DC term removed:
 *   g(x, y) = exp(-(x^2 + y^2) / 2 sigma^2) * (exp(i k (x cos t + y sin t)) - exp(-k^2 sigma^2 / 2))
 * With an isotropic envelope both terms are separable, and the four orientations share their
 * 1-D passes (0 and 90 degrees reuse the plain envelope; 135 is 45 with the row taps
 * conjugated). Borders reflect (scipy 'reflect'); taps span radius ceil(3 sigma).
 */
export const GABOR_WAVELENGTHS = [4, 8];
export const GABOR_ORIENTATIONS_DEG = [0, 45, 90, 135];

export function gaborSigma(wavelength: number): number {
  return 0.56 * wavelength;
}

export function gaborRadius(wavelength: number): number {
  return Math.ceil(3 * gaborSigma(wavelength));
}

/** 1-D taps exp(-t^2 / 2 sigma^2) * exp(i kk t), t = -r..r */
function taps(sigma: number, kk: number, r: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(2 * r + 1);
  const im = new Float64Array(2 * r + 1);
  for (let t = -r; t <= r; t++) {
    const e = Math.exp((-t * t) / (2 * sigma * sigma));
    re[t + r] = e * Math.cos(kk * t);
    im[t + r] = e * Math.sin(kk * t);
  }
  return { re, im };
}

/** correlates every row with each kernel (same odd length), padding each row once */
function rowPasses(src: Float64Array, w: number, h: number, kernels: Float64Array[]): Float64Array[] {
  const taps = kernels[0].length;
  const r = (taps - 1) >> 1;
  const table = reflectTable(w, r);
  const padded = new Float64Array(w + 2 * r);
  const outs = kernels.map(() => new Float64Array(w * h));
  for (let y = 0; y < h; y++) {
    const base = y * w;
    for (let p = 0; p < padded.length; p++) padded[p] = src[base + table[p]];
    for (let n = 0; n < kernels.length; n++) {
      const k = kernels[n];
      const out = outs[n];
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let j = 0; j < taps; j++) s += k[j] * padded[x + j];
        out[base + x] = s;
      }
    }
  }
  return outs;
}

function columnPass(src: Float64Array, w: number, h: number, k: Float64Array): Float64Array {
  const r = (k.length - 1) >> 1;
  const table = reflectTable(h, r);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let j = 0; j < k.length; j++) {
      const kv = k[j];
      const s = table[y + j] * w;
      for (let x = 0; x < w; x++) out[o + x] += kv * src[s + x];
    }
  }
  return out;
}

/**
 * |response| of the four orientations of one wavelength at every pixel, in the order of
 * GABOR_ORIENTATIONS_DEG (correlation; the magnitudes equal convolution's)
 */
export function gaborMagnitudes(plane: Float64Array, w: number, h: number, wavelength: number): Float64Array[] {
  const sigma = gaborSigma(wavelength);
  const r = gaborRadius(wavelength);
  const k = (2 * Math.PI) / wavelength;
  const dc = Math.exp((-k * k * sigma * sigma) / 2);
  const env = taps(sigma, 0, r).re;
  const axial = taps(sigma, k, r);
  const diagonal = taps(sigma, k / Math.SQRT2, r);
  const [rEnv, rAxRe, rAxIm, rDiRe, rDiIm] = rowPasses(plane, w, h, [env, axial.re, axial.im, diagonal.re, diagonal.im]);
  const dcMap = columnPass(rEnv, w, h, env);
  const n = plane.length;
  const magnitude = (re: (i: number) => number, im: (i: number) => number) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.hypot(re(i) - dc * dcMap[i], im(i));
    return out;
  };
  // 0 degrees: complex along x, envelope along y
  const re0 = columnPass(rAxRe, w, h, env);
  const im0 = columnPass(rAxIm, w, h, env);
  // 90 degrees: envelope along x, complex along y
  const re90 = columnPass(rEnv, w, h, axial.re);
  const im90 = columnPass(rEnv, w, h, axial.im);
  // 45 degrees: (a + ib)(p + iq); 135 degrees conjugates the row taps: (a - ib)(p + iq)
  const ap = columnPass(rDiRe, w, h, diagonal.re);
  const bq = columnPass(rDiIm, w, h, diagonal.im);
  const aq = columnPass(rDiRe, w, h, diagonal.im);
  const bp = columnPass(rDiIm, w, h, diagonal.re);
  return [
    magnitude((i) => re0[i], (i) => im0[i]),
    magnitude((i) => ap[i] - bq[i], (i) => aq[i] + bp[i]),
    magnitude((i) => re90[i], (i) => im90[i]),
    magnitude((i) => ap[i] + bq[i], (i) => aq[i] - bp[i]),
  ];
}

/** the smallest rectangle holding every set pixel of the mask, grown by `margin` and clipped */
export function maskBox(mask: Uint8Array, w: number, h: number, margin: number): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return null;
  return { x0: Math.max(0, x0 - margin), y0: Math.max(0, y0 - margin), x1: Math.min(w - 1, x1 + margin), y1: Math.min(h - 1, y1 + margin) };
}

export function crop(plane: Float64Array | Uint8Array, w: number, box: { x0: number; y0: number; x1: number; y1: number }): Float64Array {
  const cw = box.x1 - box.x0 + 1;
  const ch = box.y1 - box.y0 + 1;
  const out = new Float64Array(cw * ch);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) out[y * cw + x] = plane[(box.y0 + y) * w + box.x0 + x];
  return out;
}
