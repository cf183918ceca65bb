import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage, ImageProblem } from '../../../main/catalog/images';
import { UserError } from '../../../main/common/errors';
import { readMask } from '../../../main/inference/image/mask';
import { DEFAULT_IMAGE_LIMITS, readSourceImage } from '../../../main/inference/image/source-image';
import { createRng, fuzz, fuzzDir, mutate } from './harness';

const dir = fuzzDir('r2r-fuzz-img-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * sharp decodes on libuv's threads and costs about a millisecond per call even for 8x8
 * images, so the seeds are tiny and each input goes through one loader, in turn.
 */
async function seeds(side: number): Promise<Uint8Array[]> {
  const raw = Buffer.from(Array.from({ length: side * side * 4 }, (_, i) => (i * 37) % 256));
  const img = () => sharp(raw, { raw: { width: side, height: side, channels: 4 } });
  const out = await Promise.all([
    img().png().toBuffer(),
    img().removeAlpha().png({ palette: true }).toBuffer(),
    img().toColourspace('grey16').png().toBuffer(),
    img().jpeg({ quality: 80 }).toBuffer(),
    img().jpeg({ progressive: true }).toBuffer(),
    img().webp({ lossless: true }).toBuffer(),
    img().webp({ quality: 50 }).toBuffer(),
    img().tiff({ compression: 'lzw' }).toBuffer(),
    img().tiff({ compression: 'none' }).toBuffer(),
  ]);
  return out.map((b) => new Uint8Array(b));
}

function within(width: number, height: number): void {
  expect(width).toBeGreaterThan(0);
  expect(height).toBeGreaterThan(0);
  expect(width * height).toBeLessThanOrEqual(DEFAULT_IMAGE_LIMITS.maxPixels);
}

describe('fuzz: image loading through sharp', () => {
  it('answers 10,000 mutated PNG/JPEG/WebP/TIFF files with a clean error or a decoded image, within the pixel limit', async () => {
    const small = await seeds(8);
    // readSourceImage refuses sides under 64: its seeds are 64x64, the rest 8x8
    const large = await seeds(64);
    const rng = createRng(2305);
    const path = (i: number) => join(dir, `input-${i % 4}`);
    const loaders = [
      async (bytes: Uint8Array, _file: string) => {
        const img = await decodeImage(bytes);
        within(img.width, img.height);
      },
      async (bytes: Uint8Array, file: string) => {
        writeFileSync(file, bytes);
        const img = await readSourceImage(file);
        within(img.width, img.height);
        expect(img.data.length).toBe(img.width * img.height * img.channels);
      },
      async (bytes: Uint8Array, file: string) => {
        writeFileSync(file, bytes);
        const mask = await readMask(file, 8, 8);
        expect(mask.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      },
    ];
    const { counts, failures } = await fuzz({
      name: 'images (sharp: decodeImage, readSourceImage, readMask)',
      count: 10_000,
      input: (i) => ({ loader: i % 3, file: path(i), bytes: mutate(rng, i % 3 === 1 ? large : small) }),
      run: ({ loader, file, bytes }) => loaders[loader]!(bytes, file),
      parallel: 4,
      // the importer's ImageProblem and the engine's UserError are the two documented shapes
      isClean: (err) => err instanceof ImageProblem || err instanceof UserError,
      show: ({ loader, bytes }) => `loader ${loader}: ${Buffer.from(bytes.subarray(0, 96)).toString('hex')}`,
    });
    expect(failures).toEqual([]);
    expect(counts.parsed).toBeGreaterThan(500);
  });
});
