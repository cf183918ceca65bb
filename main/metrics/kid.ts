import { UserError } from '../common/errors';
import { seededRandom } from '../common/seeded-random';

/**
 * Kernel Inception Distance (Binkowski et al. 2018) from feature vectors: the unbiased
 * estimate of MMD^2 with the polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over
 * random subsets (as torch-fidelity computes it: 100 subsets of 1000 by default, drawn
 * without replacement; the std is numpy's population std).
 */
export type Features = ArrayLike<number>[];

export interface KidOptions {
  subsets?: number;
  subsetSize?: number;
  seed?: number;
}

export interface KidResult {
  kid_mean: number;
  kid_std: number;
  subsets: number;
  subset_size: number;
  dim: number;
}

export interface SubsetIndices {
  x: number[];
  y: number[];
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[k] * b[k];
  return s;
}

/** k(p, q) for all pairs, as a row-major rows(p) x rows(q) matrix */
function kernelMatrix(p: Features, q: Features, d: number, symmetric: boolean): Float64Array {
  const out = new Float64Array(p.length * q.length);
  for (let i = 0; i < p.length; i++) {
    for (let j = symmetric ? i : 0; j < q.length; j++) {
      const v = (dot(p[i], q[j], d) / d + 1) ** 3;
      out[i * q.length + j] = v;
      if (symmetric) out[j * q.length + i] = v;
    }
  }
  return out;
}

function checkDims(x: Features, y: Features): number {
  if (x.length < 2 || y.length < 2) {
    throw new UserError('kid-too-few', `KID needs at least 2 images on each side, got ${x.length} and ${y.length}`, 'Add more images to both sets.');
  }
  const d = x[0].length;
  for (const v of [...x, ...y]) {
    if (v.length !== d) throw new UserError('kid-feature-size', `feature vectors differ in length (${d} and ${v.length})`, 'Extract all features with the same network.');
  }
  return d;
}

class KernelSums {
  readonly kxx: Float64Array;
  readonly kyy: Float64Array;
  readonly kxy: Float64Array;
  constructor(
    readonly x: Features,
    readonly y: Features,
    readonly d: number,
  ) {
    this.kxx = kernelMatrix(x, x, d, true);
    this.kyy = kernelMatrix(y, y, d, true);
    this.kxy = kernelMatrix(x, y, d, false);
  }

  /** unbiased MMD^2 of the rows xi of x against the rows yi of y */
  mmd2(xi: ArrayLike<number>, yi: ArrayLike<number>): number {
    const m = xi.length;
    const n = yi.length;
    const nx = this.x.length;
    const ny = this.y.length;
    let sxx = 0;
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) if (a !== b) sxx += this.kxx[xi[a] * nx + xi[b]];
    let syy = 0;
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b) syy += this.kyy[yi[a] * ny + yi[b]];
    let sxy = 0;
    for (let a = 0; a < m; a++) for (let b = 0; b < n; b++) sxy += this.kxy[xi[a] * ny + yi[b]];
    return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - (2 * sxy) / (m * n);
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** unbiased polynomial-kernel MMD^2 on all of x against all of y */
export function polynomialMmd2(x: Features, y: Features): number {
  const d = checkDims(x, y);
  return new KernelSums(x, y, d).mmd2(range(x.length), range(y.length));
}

/** MMD^2 on given subsets (indices into x and y), one value per subset */
export function mmd2OnSubsets(x: Features, y: Features, subsets: SubsetIndices[]): number[] {
  const d = checkDims(x, y);
  const sums = new KernelSums(x, y, d);
  return subsets.map((s) => sums.mmd2(s.x, s.y));
}

/** `k` distinct indices of [0, n), by a partial Fisher-Yates shuffle */
export function sampleWithoutReplacement(n: number, k: number, random: () => number): number[] {
  const pool = range(n);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k);
}

/** KID: mean and std of MMD^2 over random subsets of min(subsetSize, |x|, |y|) rows each */
export function kid(x: Features, y: Features, opts: KidOptions = {}): KidResult {
  const d = checkDims(x, y);
  const count = opts.subsets ?? 100;
  const size = Math.min(opts.subsetSize ?? 1000, x.length, y.length);
  const random = seededRandom(opts.seed ?? 0);
  const subsets = range(count).map(() => ({ x: sampleWithoutReplacement(x.length, size, random), y: sampleWithoutReplacement(y.length, size, random) }));
  const sums = new KernelSums(x, y, d);
  const values = subsets.map((s) => sums.mmd2(s.x, s.y));
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { kid_mean: mean, kid_std: Math.sqrt(variance), subsets: count, subset_size: size, dim: d };
}
