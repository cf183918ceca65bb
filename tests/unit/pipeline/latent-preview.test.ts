import { describe, expect, it } from 'vitest';
import { latentPreview } from '../../../main/inference/pipelines/latent-preview';

describe('latent preview', () => {
  it('mixes the four channels into RGB by the SD 1.x factors, planar in, interleaved out', () => {
    // two pixels: channel 0 = 1 at the first, channel 3 = 2 at the second
    const latent = new Float32Array(4 * 2);
    latent[0] = 1;
    latent[3 * 2 + 1] = 2;
    const p = latentPreview(latent, 4, 2, 1);
    // round((v + 1) / 2 * 255): v = (0.3512, 0.2297, 0.3227) and 2 x (-0.212, -0.2616, -0.7177), clamped
    expect([p.width, p.height]).toEqual([2, 1]);
    expect(Array.from(p.rgb)).toEqual([172, 157, 169, 73, 61, 0]);
  });
});
