import { describe, expect, it } from 'vitest';
import { kid, mmd2OnSubsets, polynomialMmd2, sampleWithoutReplacement } from '../../../main/metrics/kid';
import { seededRandom } from '../../../main/common/seeded-random';
import { resizeBilinear } from '../../../main/metrics/resize';
import { reference } from './reference';

const ref = reference.kid;

describe('KID math against numpy', () => {
  it('unbiased polynomial MMD^2 on the full sets (m != n)', () => {
    expect(Math.abs(polynomialMmd2(ref.x, ref.y) - ref.full)).toBeLessThan(1e-10 * Math.max(1, Math.abs(ref.full)));
  });

  it('per-subset values, their mean and std', () => {
    const values = mmd2OnSubsets(ref.x, ref.y, ref.subsets);
    values.forEach((v, i) => expect(Math.abs(v - ref.per_subset[i])).toBeLessThan(1e-10));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(Math.abs(mean - ref.mean)).toBeLessThan(1e-10);
  });

  it('is about zero for two samples of the same distribution and positive for shifted ones', () => {
    const random = seededRandom(7);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const set = (n: number, shift: number) => Array.from({ length: n }, () => Array.from({ length: 8 }, () => gauss() + shift));
    const same = kid(set(60, 0), set(60, 0), { subsets: 20, subsetSize: 40, seed: 1 });
    const shifted = kid(set(60, 0), set(60, 0.8), { subsets: 20, subsetSize: 40, seed: 1 });
    expect(Math.abs(same.kid_mean)).toBeLessThan(3 * same.kid_std + 0.02);
    expect(shifted.kid_mean).toBeGreaterThan(10 * Math.abs(same.kid_mean));
    expect(shifted).toMatchObject({ subsets: 20, subset_size: 40, dim: 8 });
  });

  it('draws distinct indices, reproducibly for a seed, and clamps the subset size', () => {
    const s = sampleWithoutReplacement(50, 50, seededRandom(3));
    expect(new Set(s).size).toBe(50);
    expect(sampleWithoutReplacement(50, 10, seededRandom(3))).toEqual(sampleWithoutReplacement(50, 10, seededRandom(3)));
    expect(kid(ref.x, ref.y, { subsets: 3, seed: 5 }).subset_size).toBe(36);
    expect(kid(ref.x, ref.y, { subsets: 3, seed: 5 })).toEqual(kid(ref.x, ref.y, { subsets: 3, seed: 5 }));
  });

  it('refuses sets too small or of mixed feature sizes', () => {
    expect(() => polynomialMmd2([[1, 2]], [[1, 2], [3, 4]])).toThrow(/at least 2 images/);
    expect(() => polynomialMmd2([[1, 2], [1]], [[1, 2], [3, 4]])).toThrow(/differ in length/);
  });
});

describe('bilinear resize (half-pixel centres), against scipy.ndimage.zoom(order=1, grid_mode=True)', () => {
  it('resamples up one axis and down the other', () => {
    const r = reference.resize;
    const out = resizeBilinear(Float64Array.from(r.plane), r.width, r.height, r.out_width, r.out_height);
    out.forEach((v, i) => expect(Math.abs(v - r.resized[i])).toBeLessThan(1e-9));
  });
});
