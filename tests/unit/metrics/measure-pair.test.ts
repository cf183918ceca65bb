import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LpipsNetwork } from '../../../main/metrics/lpips';
import { measurePair } from '../../../main/metrics/measure-pair';
import { fixture, reference } from './reference';
import { meanSquaredPairModel } from './tiny-onnx';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'r2r-measure-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('measurePair', () => {
  it('gathers SSIM, texture, colour and LPIPS of an output against its render', async () => {
    const ssim = reference.ssim.find((r) => r.b === 'b96x80_tone.png');
    const tex = reference.texture.find((r) => r.b === 'b96x80_tone.png');
    if (!ssim || !tex) throw new Error('reference missing');
    const model = path.join(dir, 'pair.onnx');
    writeFileSync(model, meanSquaredPairModel());
    const lpips = await LpipsNetwork.load(model);
    const m = await measurePair({ source: fixture('b96x80.png'), output: fixture('b96x80_tone.png'), mask: fixture('mask96x80.png') }, { lpips, gabor: true });
    await lpips.release();
    expect(m.ssim_rgb).toBeCloseTo(ssim.ssim_rgb, 9);
    expect(m.masked_ssim_luma).toBeCloseTo(ssim.masked_ssim_luma as number, 9);
    expect(m.mask_pixels).toBe(ssim.mask_pixels);
    expect(m.energy_correlation).toBeCloseTo(tex.energy_correlation, 9);
    expect(m.mean_delta_e00).toBeCloseTo(tex.mean_delta_e00, 8);
    expect(m.gabor_correlation).toBeCloseTo(tex.gabor_correlation, 9);
    expect(m.lpips).toBeGreaterThan(0);
  });

  it('leaves masked values out without a mask', async () => {
    const m = await measurePair({ source: fixture('a64x48.png'), output: fixture('a64x48_blur.png') });
    expect(m.masked_ssim_rgb).toBeUndefined();
    expect(m.lpips).toBeUndefined();
    expect(m.gabor_correlation).toBeUndefined();
    expect(m.energy_ratio as number).toBeLessThan(1); // blur removes high-frequency energy
  });
});
