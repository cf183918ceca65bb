import { describe, expect, it } from 'vitest';
import { runCli } from '../../../main/cli/index';
import { cliIo as io } from '../support/cli-io';
import { fixture, reference } from './reference';

describe('r2r metrics ssim', () => {
  it('prints skimage-equal SSIM as JSON, with masked values when given a mask', async () => {
    const ref = reference.ssim.find((r) => r.mask && r.b === 'b96x80_tone.png');
    if (!ref) throw new Error('reference pair missing');
    const t = io();
    expect(await runCli(['metrics', 'ssim', fixture(ref.a), fixture(ref.b), '--mask', fixture(ref.mask as string), '--json'], t.io)).toBe(0);
    const out = JSON.parse(t.out());
    expect(Object.keys(out).slice(0, 2)).toEqual(['ssim_rgb', 'ssim_luma']);
    expect(out.ssim_rgb).toBeCloseTo(ref.ssim_rgb, 9);
    expect(out.ssim_luma).toBeCloseTo(ref.ssim_luma, 9);
    expect(out.masked_ssim_rgb).toBeCloseTo(ref.masked_ssim_rgb as number, 9);
    expect(out.masked_ssim_luma).toBeCloseTo(ref.masked_ssim_luma as number, 9);
    expect(out.mask_pixels).toBe(ref.mask_pixels);
  });

  it('adds texture and colour preservation with --texture', async () => {
    const ref = reference.texture.find((r) => r.b === 'b96x80_blur.png' && r.mask === 'mask_inner96x80.png');
    if (!ref) throw new Error('reference missing');
    const t = io();
    expect(await runCli(['metrics', 'ssim', fixture(ref.a), fixture(ref.b), '--mask', fixture(ref.mask), '--texture', '--json'], t.io)).toBe(0);
    const out = JSON.parse(t.out());
    expect(out.energy_correlation).toBeCloseTo(ref.energy_correlation, 9);
    expect(out.gabor_correlation).toBeCloseTo(ref.gabor_correlation, 9);
    expect(out.mean_delta_e00).toBeCloseTo(ref.mean_delta_e00, 8);
  });

  it('prints a readable summary without --json', async () => {
    const t = io();
    expect(await runCli(['metrics', 'ssim', fixture('a64x48.png'), fixture('a64x48_blur.png')], t.io)).toBe(0);
    expect(t.out()).toMatch(/SSIM RGB\s+0\.72070\d/);
  });

  it('fails with exit code 1 and names both files when sizes differ', async () => {
    const t = io();
    expect(await runCli(['metrics', 'ssim', fixture('a64x48.png'), fixture('b96x80.png'), '--json'], t.io)).toBe(1);
    expect(t.err()).toMatch(/a64x48\.png is 64x48 but .*b96x80\.png is 96x80/);
    expect(t.out()).toBe('');
  });

  it('rejects a mask of another size', async () => {
    const t = io();
    expect(await runCli(['metrics', 'ssim', fixture('a64x48.png'), fixture('a64x48.png'), '--mask', fixture('mask96x80.png')], t.io)).toBe(1);
    expect(t.err()).toMatch(/mask96x80\.png is 96x80/);
  });
});
