import { reflectTable } from './gaussian';

/**
 * A small Gabor bank (wavelengths 4 and 8 px, orientations 0, 45, 90, 135 degrees) on luma.
 * Each filter is complex with an isotropic gaussian envelope (sigma = 0.56 wavelength, about
 * one octave) and its DC term removed:
 *   g(x, y) = exp(-(x^2 + y^2) / 2 sigma^2) * (exp(i k (x cos t + y sin t)) - exp(-k^2 sigma^2 / 2))
 * With an isotropic envelope both terms are separable, so each response costs a few 1-D passes.
 * Borders reflect (scipy 'reflect'); taps span radius ceil(3 sigma).
 */
export interface GaborFilter {
  wavelength: number;
  theta: number;
  sigma: number;
}

export const GABOR_BANK: GaborFilter[] = [4, 8].flatMap((wavelength) => [0, 45, 90, 135].map((deg) => ({ wavelength, theta: (deg * Math.PI) / 180, sigma: 0.56 * wavelength })));

export function gaborRadius(f: GaborFilter): number {
  return Math.ceil(3 * f.sigma);
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

function rows(src: Float64Array, w: number, h: number, k: Float64Array, out: Float64Array): void {
  const r = (k.length - 1) >> 1;
  const table = reflectTable(w, r);
  for (let y = 0; y < h; y++) {
    const base = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = 0; j < k.length; j++) s += k[j] * src[base + table[x + j]];
      out[base + x] = s;
    }
  }
}

function cols(src: Float64Array, w: number, h: number, k: Float64Array, out: Float64Array): void {
  const r = (k.length - 1) >> 1;
  const table = reflectTable(h, r);
  out.fill(0);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let j = 0; j < k.length; j++) {
      const kv = k[j];
      const s = table[y + j] * w;
      for (let x = 0; x < w; x++) out[o + x] += kv * src[s + x];
    }
  }
}

/** |response| of one filter at every pixel (correlation; magnitudes equal convolution's) */
export function gaborMagnitude(plane: Float64Array, w: number, h: number, f: GaborFilter): Float64Array {
  const r = gaborRadius(f);
  const k = (2 * Math.PI) / f.wavelength;
  const gx = taps(f.sigma, k * Math.cos(f.theta), r);
  const gy = taps(f.sigma, k * Math.sin(f.theta), r);
  const env = taps(f.sigma, 0, r).re;
  const dc = Math.exp((-k * k * f.sigma * f.sigma) / 2);
  const n = plane.length;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  rows(plane, w, h, gx.re, a);
  rows(plane, w, h, gx.im, b);
  // (a + ib) * (p + iq) down the columns
  const ap = new Float64Array(n);
  const bq = new Float64Array(n);
  const aq = new Float64Array(n);
  const bp = new Float64Array(n);
  cols(a, w, h, gy.re, ap);
  cols(b, w, h, gy.im, bq);
  cols(a, w, h, gy.im, aq);
  cols(b, w, h, gy.re, bp);
  // the DC term: the plain gaussian envelope, scaled
  const g1 = a;
  rows(plane, w, h, env, g1);
  const g = b;
  cols(g1, w, h, env, g);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.hypot(ap[i] - bq[i] - dc * g[i], aq[i] + bp[i]);
  return out;
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
