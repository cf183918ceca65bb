import type { RgbImage } from './planes';

export type Axis = 'x' | 'y';

/** the longest lag measured, as a share of the patch: longer lags overlap too little to trust */
export const MAX_LAG_SHARE = 0.6;

/**
 * how far below the best comb score the fundamental may fall: a repeat of a fractional
 * number of pixels (a knit's 6.75 px row) is sampled at a different sub-pixel phase each
 * time, so its comb loses ~0.1 against the whole-pixel multiple (27 px) where the phases
 * realign, while a true sub-pattern (a twill's 4 px in a 100 px plaid) scores 0.4 lower
 */
export const HARMONIC_TOLERANCE = 0.15;

/** products summed per axis at most (about a second of work) */
const WORK_BUDGET = 3e8;

export interface PeriodEstimate {
  /** the repeat in pixels, sub-pixel */
  period: number;
  /** mean normalised autocorrelation at the period's multiples, 0..1 (1: a perfect repeat) */
  confidence: number;
}

/**
 * Normalised autocorrelation of the planes along one axis for lags 0..maxLag: for each lag,
 * Pearson's r between the image and itself shifted by the lag (over the overlap, all
 * three channels pooled).
 */
export function autocorrelation(img: RgbImage, axis: Axis, maxLag: number): Float64Array {
  const { width, height } = img;
  // on a large patch only every stride-th line across the axis is summed: the lags along
  // the axis keep full resolution, and the cost stays near WORK_BUDGET products
  const stride = Math.max(1, Math.ceil((width * height * maxLag * 3) / WORK_BUDGET));
  const r = new Float64Array(maxLag + 1);
  r[0] = 1;
  for (let lag = 1; lag <= maxLag; lag++) {
    let num = 0;
    let da = 0;
    let db = 0;
    for (const plane of img.planes) {
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      let n = 0;
      const w = axis === 'x' ? width - lag : width;
      const h = axis === 'y' ? height - lag : height;
      const step = axis === 'x' ? lag : lag * width;
      const ys = axis === 'x' ? stride : 1;
      const xs = axis === 'y' ? stride : 1;
      for (let y = 0; y < h; y += ys) {
        const row = y * width;
        for (let x = 0; x < w; x += xs) {
          const a = plane[row + x]!;
          const b = plane[row + x + step]!;
          sa += a;
          sb += b;
          saa += a * a;
          sbb += b * b;
          sab += a * b;
          n++;
        }
      }
      num += sab - (sa * sb) / n;
      da += saa - (sa * sa) / n;
      db += sbb - (sb * sb) / n;
    }
    r[lag] = da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
  }
  return r;
}

function interpolated(r: Float64Array, lag: number): number {
  const i = Math.floor(lag);
  if (i >= r.length - 1) return r[r.length - 1]!;
  const t = lag - i;
  return r[i]! * (1 - t) + r[i + 1]! * t;
}

/** mean autocorrelation at every multiple of `period` up to the last lag: a comb, high only for a true repeat */
function combScore(r: Float64Array, period: number): number {
  let sum = 0;
  let k = 0;
  for (let lag = period; lag <= r.length - 1; lag += period, k++) sum += interpolated(r, lag);
  return k ? sum / k : 0;
}

/**
 * The repeat of a texture along one axis. Candidates are the local maxima of the
 * autocorrelation; each is scored by the comb of its multiples (a harmonic half-period
 * fails at the odd multiples, so it scores low), refined to 0.01 px around the candidate.
 * The smallest candidate within HARMONIC_TOLERANCE of the best comb score wins: twice the
 * period scores as well as the period itself, and the fundamental is the repeat wanted.
 */
export function estimatePeriod(img: RgbImage, axis: Axis, minPeriod = 2): PeriodEstimate {
  const extent = axis === 'x' ? img.width : img.height;
  const maxLag = Math.max(minPeriod + 1, Math.floor(extent * MAX_LAG_SHARE));
  const r = autocorrelation(img, axis, maxLag);
  const candidates: PeriodEstimate[] = [];
  for (let lag = Math.max(2, Math.floor(minPeriod)); lag < maxLag; lag++) {
    if (r[lag]! < r[lag - 1]! || r[lag]! < r[lag + 1]! || r[lag]! <= 0) continue;
    let best = { period: lag, confidence: combScore(r, lag) };
    for (let p = lag - 1; p <= lag + 1; p += 0.01) {
      if (p < minPeriod) continue;
      const s = combScore(r, p);
      if (s > best.confidence) best = { period: p, confidence: s };
    }
    candidates.push(best);
  }
  if (!candidates.length) return { period: maxLag, confidence: 0 };
  const top = Math.max(...candidates.map((c) => c.confidence));
  const chosen = candidates.filter((c) => c.confidence >= top - HARMONIC_TOLERANCE).sort((a, b) => a.period - b.period)[0]!;
  return { period: Math.round(chosen.period * 100) / 100, confidence: Math.max(0, Math.min(1, chosen.confidence)) };
}
