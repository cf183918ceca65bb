import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { crc32, encodePngChunk, insertPngChunks, itxtChunk, readPngChunks, readPngText, textChunk } from '../../../main/export/metadata/png-chunks';

describe('png chunks', () => {
  it('computes the standard CRC-32 check value and the IEND crc every PNG carries', () => {
    expect(crc32([Buffer.from('123456789')])).toBe(0xcbf43926);
    expect(encodePngChunk('IEND', Buffer.alloc(0)).toString('hex')).toBe('0000000049454e44ae426082');
  });

  it('inserts text chunks before IDAT that sharp still decodes and we read back', async () => {
    const png = await sharp({ create: { width: 4, height: 3, channels: 3, background: '#ff8000' } }).png().toBuffer();
    const out = insertPngChunks(png, [textChunk('parameters', 'a cat\nSteps: 5'), itxtChunk('r2r', '{"sku":"Ünïcödé"}'), itxtChunk('zipped', 'x'.repeat(500), true)]);
    const types = readPngChunks(out).map((c) => c.type);
    expect(types[0]).toBe('IHDR');
    expect(types.indexOf('tEXt')).toBeLessThan(types.indexOf('IDAT'));
    expect(types.at(-1)).toBe('IEND');
    const text = readPngText(out);
    expect(text.find((t) => t.keyword === 'parameters')).toMatchObject({ type: 'tEXt', text: 'a cat\nSteps: 5' });
    expect(JSON.parse(text.find((t) => t.keyword === 'r2r')!.text)).toEqual({ sku: 'Ünïcödé' });
    expect(text.find((t) => t.keyword === 'zipped')!.text).toBe('x'.repeat(500));
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([4, 3]);
    const { data } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([255, 128, 0]);
  });

  it('replaces text chunks with the same keyword instead of duplicating them', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).png().toBuffer();
    const once = insertPngChunks(png, [textChunk('parameters', 'one')]);
    const twice = insertPngChunks(once, [textChunk('parameters', 'two')], ['parameters']);
    expect(readPngText(twice).filter((t) => t.keyword === 'parameters').map((t) => t.text)).toEqual(['two']);
  });

  it('rejects corrupted and truncated files', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).png().toBuffer();
    const bad = Buffer.from(png);
    bad[20] ^= 0xff; // inside IHDR data
    expect(() => readPngChunks(bad)).toThrow(/CRC mismatch in PNG chunk IHDR/);
    expect(() => readPngChunks(png.subarray(0, png.length - 6))).toThrow(/truncated/);
    expect(() => readPngChunks(Buffer.from('GIF89a..'))).toThrow(/not a PNG/);
  });

  it('refuses tEXt outside latin-1 and bad keywords', () => {
    expect(() => textChunk('parameters', 'a 猫')).toThrow(/latin-1/);
    expect(() => textChunk(' lead', 'x')).toThrow(/keyword/);
    expect(() => textChunk('k'.repeat(80), 'x')).toThrow(/keyword/);
  });
});
