import { describe, expect, it } from 'vitest';
import { compareSsim } from '../../../main/metrics/compare';
import { gaussianFilter, gaussianKernel1d, reflectIndex } from '../../../main/metrics/gaussian';
import { loadMask, loadRgb } from '../../../main/metrics/image';
import { ssimPlane, ssimWindowSize } from '../../../main/metrics/ssim';
import { fixture, reference } from './reference';

describe('gaussian filter (scipy.ndimage.gaussian_filter, mode reflect)', () => {
  it('has 11 taps for sigma 1.5, truncate 3.5, summing to 1', () => {
    const k = gaussianKernel1d(1.5, 3.5);
    expect(k.length).toBe(11);
    expect(k.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 15);
    expect(ssimWindowSize()).toBe(11);
  });

  it('reflects half-sample symmetric, repeating on short signals', () => {
    expect([-3, -2, -1, 0, 3, 4, 5, 6, 8, 9].map((i) => reflectIndex(i, 4))).toEqual([2, 1, 0, 0, 3, 3, 2, 1, 0, 1]);
  });

  it('matches scipy on a plane shorter than the kernel', () => {
    const g = reference.gaussian;
    const out = gaussianFilter(Float64Array.from(g.plane), g.width, g.height, g.sigma, g.truncate);
    out.forEach((v, i) => expect(Math.abs(v - g.filtered[i])).toBeLessThan(1e-10));
  });
});

describe('image loading through sharp', () => {
  for (const [name, ref] of Object.entries(reference.images)) {
    it(`reads ${name} as 0..255 RGB planes`, async () => {
      const img = await loadRgb(fixture(name));
      expect([img.width, img.height]).toEqual([ref.width, ref.height]);
      img.planes.forEach((p, c) => {
        const sum = p.reduce((s, v) => s + v, 0);
        expect(Math.abs(sum - ref.channel_sums[c])).toBeLessThan(1e-6 * Math.max(1, ref.channel_sums[c]));
      });
    });
  }

  it('reads a mask by grey level and alpha', async () => {
    const mask = await loadMask(fixture('mask96x80.png'));
    expect(mask.data.reduce((s, v) => s + v, 0)).toBe(reference.ssim.find((r) => r.mask)?.mask_pixels);
    // grey ramp alpha: columns whose alpha is under half are outside even where grey is bright
    const ga = await loadMask(fixture('grey_alpha40x30.png'));
    expect(ga.data[0]).toBe(0);
  });

  it('names the file it cannot read', async () => {
    await expect(loadRgb(fixture('reference.json'))).rejects.toThrow(/reference\.json/);
  });
});

describe('SSIM against scikit-image structural_similarity', () => {
  for (const ref of reference.ssim) {
    it(`${ref.a} vs ${ref.b}${ref.mask ? ` in ${ref.mask}` : ''}`, async () => {
      const [a, b] = await Promise.all([loadRgb(fixture(ref.a)), loadRgb(fixture(ref.b))]);
      const mask = ref.mask ? await loadMask(fixture(ref.mask)) : undefined;
      const r = compareSsim(a, b, mask);
      expect(Math.abs(r.ssim_rgb - ref.ssim_rgb)).toBeLessThan(1e-9);
      expect(Math.abs(r.ssim_luma - ref.ssim_luma)).toBeLessThan(1e-9);
      if (ref.mask) {
        expect(r.mask_pixels).toBe(ref.mask_pixels);
        expect(Math.abs((r.masked_ssim_rgb as number) - (ref.masked_ssim_rgb as number))).toBeLessThan(1e-9);
        expect(Math.abs((r.masked_ssim_luma as number) - (ref.masked_ssim_luma as number))).toBeLessThan(1e-9);
      } else {
        expect(r.masked_ssim_rgb).toBeUndefined();
      }
    });
  }

  it('rejects images of different sizes, naming both', async () => {
    const [a, b] = await Promise.all([loadRgb(fixture('a64x48.png')), loadRgb(fixture('b96x80.png'))]);
    expect(() => compareSsim(a, b, undefined, ['a.png', 'b.png', 'm.png'])).toThrow(/a\.png is 64x48 but b\.png is 96x80/);
  });

  it('rejects an empty mask and a plane smaller than the window', async () => {
    const a = await loadRgb(fixture('b96x80.png'));
    const empty = { width: 96, height: 80, data: new Uint8Array(96 * 80) };
    expect(() => compareSsim(a, a, empty)).toThrow(/selects no pixels/);
    expect(() => ssimPlane(new Float64Array(100), new Float64Array(100), 10, 10)).toThrow(/at least 11x11/);
  });
});
