import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { assetFile, createLibrary, getMask, MetadataWriter, setMask, storeImage, type Library } from '../../../main/catalog/index';
import { LibraryHolder } from '../../../main/api/library-service';
import { createMetricsService } from '../../../main/api/metrics-service';
import { measurePair } from '../../../main/metrics/measure-pair';
import { maskToPng } from '../../../main/api/masks-service';
import { createDispatcher } from '../../../main/api/dispatcher';
import { createBackend } from '../../../main/api/index';
import { compareSsim } from '../../../main/metrics/compare';
import { loadMask, loadRgb } from '../../../main/metrics/image';
import { textureReport } from '../../../main/metrics/texture';

let dir: string;
let libDir: string;
const hash: Record<string, string> = {};
let renderId = 0;

/** a seeded noisy image: SSIM of two of them is neither 0 nor 1 */
async function noisy(w: number, h: number, seed: number): Promise<Buffer> {
  const data = Buffer.alloc(w * h * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (i % 3) * 60 + ((s >>> 16) % 64) + ((i / 3 / w) | 0);
  }
  return sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'r2r-metrics-service-'));
  process.env.R2R_CONFIG_DIR = join(dir, 'config');
  libDir = join(dir, 'lib');
  const lib: Library = createLibrary(libDir);
  const a = await storeImage(lib, await noisy(48, 40, 1));
  const b = await storeImage(lib, await noisy(48, 40, 2));
  const small = await storeImage(lib, await noisy(32, 40, 3));
  Object.assign(hash, { a: a.hash, b: b.hash, small: small.hash });
  const ref = (x: typeof a) => ({ hash: x.hash, ext: x.ext, bytes: x.bytes, width: x.width!, height: x.height! });
  new MetadataWriter(lib).writeMany([
    {
      sku: 'M-1', name: 'Metrics', category: 'jeans', tags: [], notes: '',
      colorways: [{ name: 'navy', renders: [{ view: 'front', kind: 'raster', renderer: 't', width: 48, height: 40, asset: ref(a), sourcePath: null }] }],
    },
  ]);
  renderId = lib.sql<[], { id: number }>('SELECT id FROM renders').get()!.id;
  const m = new Uint8Array(48 * 40);
  for (let y = 8; y < 30; y++) m.fill(255, y * 48 + 10, y * 48 + 40);
  await setMask(lib, renderId, 'edit', await maskToPng(48, 40, m));
  lib.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('metrics service', () => {
  it('gives the numbers main/metrics computes for the two asset files, inside the stored mask', async () => {
    const holder = new LibraryHolder();
    const lib = holder.open(libDir);
    const svc = createMetricsService(holder, measurePair);
    const [a, b] = await Promise.all([loadRgb(assetFile(lib, hash.a!)), loadRgb(assetFile(lib, hash.b!))]);
    const whole = await svc.comparePair({ a: hash.a!, b: hash.b! });
    const ssim = compareSsim(a, b);
    expect(whole).toMatchObject({ width: 48, height: 40, ssim_rgb: ssim.ssim_rgb, ssim_luma: ssim.ssim_luma });
    expect(whole.masked_ssim_rgb).toBeUndefined();
    expect(whole.ssim_rgb).toBeGreaterThan(0);
    expect(whole.ssim_rgb).toBeLessThan(1);
    expect(whole.laplacian_correlation).toBe(textureReport(a, b).laplacian_correlation);

    const maskRow = getMask(lib, renderId, 'edit')!;
    const mask = await loadMask(assetFile(lib, maskRow.asset));
    const masked = await svc.comparePair({ a: hash.a!, b: hash.b!, mask: { renderId, purpose: 'edit' } });
    const ref = compareSsim(a, b, mask);
    expect(masked.masked_ssim_rgb).toBe(ref.masked_ssim_rgb);
    expect(masked.masked_ssim_luma).toBe(ref.masked_ssim_luma);
    expect(masked.mask_pixels).toBe(22 * 30);
    expect(masked.mean_delta_e00).toBe(textureReport(a, b, mask).mean_delta_e00);
    holder.close();
  });

  it('keeps a result per pair: the same request is answered from the cache, a new mask is measured again', async () => {
    const holder = new LibraryHolder();
    const lib = holder.open(libDir);
    const svc = createMetricsService(holder, measurePair);
    const first = svc.comparePair({ a: hash.a!, b: hash.b!, mask: { renderId, purpose: 'edit' } });
    const again = svc.comparePair({ a: hash.a!, b: hash.b!, mask: { renderId, purpose: 'edit' } });
    const [x, y] = await Promise.all([first, again]);
    expect(y).toBe(x);
    expect(await svc.comparePair({ a: hash.a!, b: hash.b!, mask: { renderId, purpose: 'edit' } })).toBe(x);
    // a saved mask is a new asset: the numbers follow it
    const m = new Uint8Array(48 * 40);
    m.fill(255, 0, 48 * 10);
    await setMask(lib, renderId, 'edit', await maskToPng(48, 40, m));
    const z = await svc.comparePair({ a: hash.a!, b: hash.b!, mask: { renderId, purpose: 'edit' } });
    expect(z.mask_pixels).toBe(480);
    expect(z.masked_ssim_rgb).not.toBe(x.masked_ssim_rgb);
    holder.close();
  });

  it('says why when the sizes differ, the mask is missing or a hash is unknown', async () => {
    const holder = new LibraryHolder();
    holder.open(libDir);
    const svc = createMetricsService(holder, measurePair);
    await expect(svc.comparePair({ a: hash.a!, b: hash.small! })).rejects.toMatchObject({ code: 'size-mismatch', message: expect.stringContaining('A is 48x40 but B is 32x40') });
    await expect(svc.comparePair({ a: hash.a!, b: hash.b!, mask: { renderId, purpose: 'garment' } })).rejects.toMatchObject({ code: 'no-mask' });
    await expect(svc.comparePair({ a: hash.a!, b: 'f'.repeat(64) })).rejects.toMatchObject({ code: 'asset-unknown' });
    holder.close();
  });

  it('runs in the job worker behind the validated API; the jobs API does not offer it', async () => {
    const backend = createBackend({ library: libDir });
    const dispatch = createDispatcher(backend.api);
    await expect(dispatch('r2r:metrics.comparePair', [{ a: '../../etc/passwd', b: hash.b }])).rejects.toMatchObject({ payload: { code: 'invalid-arguments' } });
    await expect(backend.api.jobs.submit('measure-pair', { source: '/etc/passwd', output: '/etc/passwd' })).rejects.toMatchObject({ code: 'unknown-job-kind' });
    const lib = backend.library.require();
    const here = await measurePair({ source: assetFile(lib, hash.a!), output: assetFile(lib, hash.b!) });
    const r = (await dispatch('r2r:metrics.comparePair', [{ a: hash.a, b: hash.b }])) as Record<string, number>;
    expect(r.ssim_rgb).toBe(here.ssim_rgb);
    expect(r.mean_delta_e00).toBe(here.mean_delta_e00);
    expect(backend.jobs.list()).toEqual([]);
    await backend.close();
  });
});
