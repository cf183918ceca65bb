import { describe, expect, it } from 'vitest';
import { isUserError } from '../../../main/common/errors';
import { decodeLatent, describeVae, encodeImage, vaeTilesFor, type Planar, type VaeModel } from '../../../main/inference/pipelines/tiled';
import { FakeModel } from './fake-model';

function image(width: number, height: number): Planar {
  return { channels: 3, width, height, data: new Float32Array(3 * width * height).map((_, i) => Math.sin(i * 0.37) * 0.9) };
}

/** the fake model's VAE (8x average pool / nearest upsample: local, so tiles blend back exactly), recording each call's size */
function sizedModel(): VaeModel & { sizes: string[] } {
  const fake = new FakeModel();
  const sizes: string[] = [];
  return {
    vaeFactor: 8,
    sizes,
    vaeEncode: (p) => (sizes.push(`e${p.width}x${p.height}`), fake.vaeEncode(p)),
    vaeDecode: (p) => (sizes.push(`d${p.width}x${p.height}`), fake.vaeDecode(p)),
  };
}

describe('VAE passes', () => {
  it('run the whole canvas in one call by default, even at 768x1024', async () => {
    const m = sizedModel();
    const latent = await encodeImage(m, image(768, 1024), null);
    await decodeLatent(m, latent, null);
    expect(m.sizes).toEqual(['e768x1024', 'd96x128']);
    expect(describeVae(null)).toBe('VAE on the whole canvas');
  });

  it('tile only when asked, in overlapping tiles that blend a local operation back exactly', async () => {
    const m = sizedModel();
    const tiles = vaeTilesFor(512)!;
    expect(tiles).toEqual({ tile: 512, overlap: 64 });
    const img = image(768, 1024);
    const whole = await encodeImage(sizedModel(), img, null);
    const tiled = await encodeImage(m, img, tiles);
    expect(m.sizes.length).toBeGreaterThan(1);
    expect(m.sizes.every((s) => /^e512x512$/.test(s))).toBe(true);
    let max = 0;
    for (let i = 0; i < whole.data.length; i++) max = Math.max(max, Math.abs(whole.data[i]! - tiled.data[i]!));
    expect(max).toBeLessThan(1e-6);
    const decoded = await decodeLatent(m, tiled, tiles);
    expect([decoded.width, decoded.height]).toEqual([768, 1024]);
    expect(m.sizes.filter((s) => s.startsWith('d')).every((s) => s === 'd64x64')).toBe(true);
    expect(describeVae(tiles)).toBe('VAE in 512 px tiles overlapping by 64 px, blended linearly');
  });

  it('takes a tile side that is a multiple of 64, at least 128', () => {
    expect(vaeTilesFor(undefined)).toBeNull();
    expect(vaeTilesFor(256)).toEqual({ tile: 256, overlap: 32 });
    for (const bad of [64, 200, 512.5]) expect(() => vaeTilesFor(bad)).toThrow(/multiple of 64/);
  });

  it('turns a whole-canvas out-of-memory failure into a hint to tile; other failures pass unchanged', async () => {
    const failing = (message: string): VaeModel => ({
      vaeFactor: 8,
      vaeEncode: async () => {
        throw new Error('the VAE encoder failed to run on the cuda provider', { cause: new Error(message) });
      },
      vaeDecode: async () => {
        throw new Error(message);
      },
    });
    const oom = failing('[ErrorCode:RuntimeException] CUDA failure 2: out of memory');
    const err = await encodeImage(oom, image(768, 1024), null).catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('vae-out-of-memory');
    expect((err as Error).message).toBe('the VAE ran out of memory to encode the whole 768x1024 image at once');
    expect(isUserError(err) && err.hint).toMatch(/--vae-tiles 512/);
    const dec = await decodeLatent(failing('Failed to allocate memory for requested buffer of size 1610612736'), { channels: 4, width: 96, height: 128, data: new Float32Array(4 * 96 * 128) }, null).catch((e: unknown) => e);
    expect(isUserError(dec) && dec.code).toBe('vae-out-of-memory');
    const other = await decodeLatent(failing('Invalid rank for input: latent_sample'), { channels: 4, width: 8, height: 8, data: new Float32Array(256) }, null).catch((e: unknown) => e);
    expect(isUserError(other)).toBe(false);
    expect((other as Error).message).toBe('Invalid rank for input: latent_sample');
  });
});
