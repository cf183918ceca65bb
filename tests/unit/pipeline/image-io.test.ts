import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../../main/common/errors';
import { compositeOnSource } from '../../../main/inference/image/composite';
import { fitSourceToModel, planFit } from '../../../main/inference/image/fit';
import { readSourceImage } from '../../../main/inference/image/source-image';
import { checkPngOutputPath, encodeSourcePng, writePngAtomic } from '../../../main/inference/image/write-png';
import { encodePng, pngClaimingSize, type PngSpec } from './png-encode';

const dir = mkdtempSync(join(tmpdir(), 'r2r-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const W = 64;
const H = 70;
function samples(n: number, max: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s % (max + 1);
  });
}

async function expectUserError(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(isUserError(err), String(err)).toBe(true);
  expect((err as { code: string }).code).toBe(code);
}

describe('readSourceImage', () => {
  const cases: { name: string; spec: PngSpec; expectRgba: (i: number) => number[]; channels: number; depth: number; grey: boolean }[] = [];
  const rgb8 = samples(W * H * 3, 255, 1);
  cases.push({ name: 'rgb8', spec: { width: W, height: H, colour: 'rgb', depth: 8, samples: rgb8 }, expectRgba: (i) => rgb8.slice(3 * i, 3 * i + 3), channels: 3, depth: 8, grey: false });
  const rgb16 = samples(W * H * 3, 65535, 2);
  cases.push({ name: 'rgb16', spec: { width: W, height: H, colour: 'rgb', depth: 16, samples: rgb16 }, expectRgba: (i) => rgb16.slice(3 * i, 3 * i + 3), channels: 3, depth: 16, grey: false });
  const rgba16 = samples(W * H * 4, 65535, 3);
  cases.push({ name: 'rgba16', spec: { width: W, height: H, colour: 'rgba', depth: 16, samples: rgba16 }, expectRgba: (i) => rgba16.slice(4 * i, 4 * i + 4), channels: 4, depth: 16, grey: false });
  const g8 = samples(W * H, 255, 4);
  cases.push({ name: 'grey8', spec: { width: W, height: H, colour: 'grey', depth: 8, samples: g8 }, expectRgba: (i) => [g8[i]!, g8[i]!, g8[i]!], channels: 3, depth: 8, grey: true });
  const g16 = samples(W * H, 65535, 5);
  cases.push({ name: 'grey16', spec: { width: W, height: H, colour: 'grey', depth: 16, samples: g16 }, expectRgba: (i) => [g16[i]!, g16[i]!, g16[i]!], channels: 3, depth: 16, grey: true });
  const ga8 = samples(W * H * 2, 255, 6);
  cases.push({ name: 'grey-alpha8', spec: { width: W, height: H, colour: 'grey-alpha', depth: 8, samples: ga8 }, expectRgba: (i) => [ga8[2 * i]!, ga8[2 * i]!, ga8[2 * i]!, ga8[2 * i + 1]!], channels: 4, depth: 8, grey: true });
  const palette: [number, number, number][] = [[255, 0, 0], [0, 128, 255], [10, 20, 30], [200, 200, 200]];
  const alpha = [255, 128, 0, 255];
  const idx = samples(W * H, 3, 7);
  cases.push({ name: 'palette+tRNS', spec: { width: W, height: H, colour: 'palette', depth: 8, samples: idx, palette, paletteAlpha: alpha }, expectRgba: (i) => [...palette[idx[i]!]!, alpha[idx[i]!]!], channels: 4, depth: 8, grey: false });

  for (const c of cases) {
    it(`decodes ${c.name} PNGs sample for sample and writes them back bit-exactly`, async () => {
      const p = file(`${c.name}.png`, encodePng(c.spec));
      const img = await readSourceImage(p);
      expect([img.width, img.height, img.channels, img.depth, img.grey]).toEqual([W, H, c.channels, c.depth, c.grey]);
      for (const i of [0, 1, 77, W * H - 1]) expect(Array.from(img.data.subarray(i * img.channels, (i + 1) * img.channels))).toEqual(c.expectRgba(i));
      const again = await readSourceImage(file(`${c.name}-again.png`, await encodeSourcePng(img)));
      expect(again.channels).toBe(img.channels);
      expect(again.depth).toBe(img.depth);
      expect(again.grey).toBe(img.grey);
      expect(Buffer.compare(Buffer.from(again.data.buffer, again.data.byteOffset, again.data.byteLength), Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength))).toBe(0);
    });
  }

  it('reads JPEG and WebP', async () => {
    const raw = Uint8Array.from(samples(W * H * 3, 255, 8));
    for (const fmt of ['jpeg', 'webp'] as const) {
      const bytes = await sharp(raw, { raw: { width: W, height: H, channels: 3 } }).toFormat(fmt).toBuffer();
      const img = await readSourceImage(file(`x.${fmt}`, bytes));
      expect([img.width, img.height, img.channels, img.depth, img.format]).toEqual([W, H, 3, 8, fmt]);
    }
  });

  it('refuses a corrupt file, a truncated PNG, a folder and a missing file with clear errors', async () => {
    await expectUserError(readSourceImage(file('corrupt.png', Buffer.from('this is not an image at all'))), 'image-unreadable');
    const good = encodePng({ width: W, height: H, colour: 'rgb', depth: 8, samples: samples(W * H * 3, 255, 9) });
    await expectUserError(readSourceImage(file('truncated.png', good.subarray(0, good.length - 200))), 'image-unreadable');
    await expectUserError(readSourceImage(dir), 'not-a-file');
    await expectUserError(readSourceImage(join(dir, 'nope.png')), 'file-not-found');
  });

  it('refuses a decompression bomb from its header, before decoding', async () => {
    // a valid PNG header claiming 30000 x 30000 pixels with almost no data behind it
    const bomb = pngClaimingSize(30000, 30000);
    const err = await readSourceImage(file('bomb.png', bomb)).catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('image-too-large');
    expect((err as Error).message).toMatch(/900\.0 megapixels/);
  });

  it('refuses images too small to work with', async () => {
    const tiny = encodePng({ width: 40, height: 100, colour: 'rgb', depth: 8, samples: samples(40 * 100 * 3, 255, 10) });
    await expectUserError(readSourceImage(file('tiny.png', tiny)), 'image-too-small');
  });
});

describe('alpha and compositing', () => {
  it('composites transparent pixels on the background before the model sees them', async () => {
    const px = [] as number[];
    for (let i = 0; i < W * H; i++) px.push(...(i % 2 ? [0, 0, 0, 0] : [0, 0, 0, 65535]));
    const img = await readSourceImage(file('alpha.png', encodePng({ width: W, height: H, colour: 'rgba', depth: 16, samples: px })));
    const plan = planFit(W, H, W, H);
    const white = await fitSourceToModel(img, { ...plan, box: { left: 0, top: 0, width: W, height: H } }, { r: 255, g: 255, b: 255 });
    // no resize: transparent pixels become the background, opaque black stays black
    expect(white.data[0]).toBe(0);
    expect(white.data[3]).toBe(1);
  });

  it('keeps unmasked pixels bit-identical and the alpha channel of the source', async () => {
    const px = samples(W * H * 4, 65535, 11);
    const img = await readSourceImage(file('rgba16b.png', encodePng({ width: W, height: H, colour: 'rgba', depth: 16, samples: px })));
    const generated = { width: W, height: H, data: new Float32Array(W * H * 3).fill(0.5) };
    const mask = { width: W, height: H, data: new Float32Array(W * H).map((_, i) => (i % W < W / 2 ? 0 : 1)) };
    const out = compositeOnSource(img, generated, mask);
    for (let i = 0; i < W * H; i++) {
      const o = i * 4;
      if (i % W < W / 2) expect([out.data[o], out.data[o + 1], out.data[o + 2], out.data[o + 3]]).toEqual([px[o], px[o + 1], px[o + 2], px[o + 3]]);
      else expect([out.data[o], out.data[o + 3]]).toEqual([Math.round(0.5 * 65535), px[o + 3]]);
    }
  });
});

describe('atomic PNG writing', () => {
  it('checks the output path before work starts', async () => {
    await expectUserError(checkPngOutputPath(join(dir, 'out.jpg')), 'bad-output');
    await expectUserError(checkPngOutputPath(join(dir, 'no-such-folder', 'out.png')), 'bad-output');
    await checkPngOutputPath(join(dir, 'fine.png'));
  });

  it('leaves no file, temporary or final, when writing fails', async () => {
    const sub = mkdtempSync(join(dir, 'w-'));
    const broken = { path: 'x', width: 10, height: 10, channels: 3 as const, depth: 8 as const, grey: false, format: 'png', data: new Uint8Array(5) };
    await expect(writePngAtomic(join(sub, 'out.png'), broken)).rejects.toThrow();
    expect(readdirSync(sub)).toEqual([]);
    await expect(writePngAtomic(join(sub, 'missing-dir', 'out.png'), { ...broken, data: new Uint8Array(300) })).rejects.toThrow(/cannot write/);
    expect(readdirSync(sub)).toEqual([]);
    await writePngAtomic(join(sub, 'out.png'), { ...broken, data: new Uint8Array(300).fill(7) });
    expect(readdirSync(sub)).toEqual(['out.png']);
  });
});
