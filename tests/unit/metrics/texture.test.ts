import { describe, expect, it } from 'vitest';
import { loadMask, loadRgb } from '../../../main/metrics/image';
import { laplacian, maskedCorrelation, textureReport } from '../../../main/metrics/texture';
import { fixture, reference } from './reference';

describe('texture preservation inside a mask (against scipy/skimage)', () => {
  for (const ref of reference.texture) {
    it(`${ref.a} vs ${ref.b} in ${ref.mask}`, async () => {
      const [a, b, mask] = await Promise.all([loadRgb(fixture(ref.a)), loadRgb(fixture(ref.b)), loadMask(fixture(ref.mask))]);
      const r = textureReport(a, b, mask, undefined, { gabor: true });
      expect(Math.abs((r.laplacian_correlation as number) - ref.laplacian_correlation)).toBeLessThan(1e-9);
      expect(Math.abs((r.energy_correlation as number) - ref.energy_correlation)).toBeLessThan(1e-9);
      expect(Math.abs((r.energy_ratio as number) - ref.energy_ratio)).toBeLessThan(1e-9);
      expect(Math.abs(r.mean_delta_e00 - ref.mean_delta_e00)).toBeLessThan(1e-8);
      expect(Math.abs(r.mean_colour_delta_e00 - ref.mean_colour_delta_e00)).toBeLessThan(1e-8);
      // the separable, box-cropped Gabor bank against scipy's direct 2-D correlation on the whole image
      expect(Math.abs((r.gabor_correlation as number) - ref.gabor_correlation)).toBeLessThan(1e-9);
      expect(Math.abs((r.gabor_energy_ratio as number) - ref.gabor_energy_ratio)).toBeLessThan(1e-9);
    });
  }

  it('scores an identical pair as perfectly preserved', async () => {
    const a = await loadRgb(fixture('b96x80.png'));
    const r = textureReport(a, a);
    expect(r.gabor_correlation).toBeUndefined();
    expect(r.laplacian_correlation).toBeCloseTo(1, 12);
    expect(r.energy_correlation).toBeCloseTo(1, 12);
    expect(r.energy_ratio).toBe(1);
    expect(r.mean_delta_e00).toBe(0);
    expect(r.mask_pixels).toBe(96 * 80);
  });

  it('reports a flat region as undefined correlation, not a number', () => {
    const flat = new Float64Array(16).fill(3);
    expect(laplacian(flat, 4, 4).every((v) => v === 0)).toBe(true);
    expect(maskedCorrelation(flat, flat, new Uint8Array(16).fill(1))).toBeNull();
  });
});
