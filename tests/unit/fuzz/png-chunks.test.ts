import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MAX_INFLATED_CHUNK, PngFormatError, pngIccProfile, readPngChunks, readPngText } from '../../../main/export/metadata/png-chunks';
import { concat, createRng, fuzz, mutate, type Mutation } from './harness';

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** a PNG with `extra` chunks inserted after IHDR */
function withChunks(png: Buffer, extra: Buffer[]): Buffer {
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, ihdrEnd), ...extra, png.subarray(ihdrEnd)]);
}

const latin = (s: string) => Buffer.from(s, 'latin1');

/** every CRC recomputed where the chunk lengths still hold together, so mutations reach the chunk parsers */
const fixCrcs: Mutation = (b) => {
  const out = Buffer.from(b);
  let at = 8;
  while (at + 12 <= out.length) {
    const length = out.readUInt32BE(at);
    if (at + 12 + length > out.length) break;
    out.writeUInt32BE(crc32(out.subarray(at + 4, at + 8 + length)), at + 8 + length);
    at += 12 + length;
  }
  return out;
};

async function seeds(): Promise<Uint8Array[]> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#8a3' } }).png().toBuffer();
  const icc = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } }).withIccProfile('srgb').png().toBuffer();
  return [
    png,
    icc,
    withChunks(png, [
      chunk('tEXt', latin('Title\0front raster')),
      chunk('zTXt', concat(latin('Comment\0\0'), deflateSync('made by R2R Studio'.repeat(8)))),
      chunk('iTXt', concat(latin('Description\0\0\0en\0Beschreibung\0'), Buffer.from('Größe M — 💡', 'utf8'))),
      chunk('iTXt', concat(latin('r2r:params\0\x01\0\0\0'), deflateSync(JSON.stringify({ steps: 50, strength: 0.3, tac: 0.9 })))),
    ]),
  ];
}

describe('fuzz: PNG chunk readers', () => {
  it('answers 10,000 mutated PNGs with a PngFormatError or a parse, never a crash', async () => {
    const base = await seeds();
    const rng = createRng(2301);
    const { counts, failures } = await fuzz({
      name: 'png-chunks',
      count: 10_000,
      input: () => {
        // two in three get their CRCs repaired
        const m = rng.below(3) ? fixCrcs(mutate(rng, base), rng, base) : mutate(rng, base);
        return Buffer.from(m.buffer, m.byteOffset, m.length);
      },
      run: (buf) => {
        const chunks = readPngChunks(buf);
        for (const c of chunks) expect(c.type).toHaveLength(4);
        const text = readPngText(buf);
        for (const t of text) expect(typeof t.text).toBe('string');
        const icc = pngIccProfile(buf);
        if (icc) expect(icc.length).toBeLessThanOrEqual(MAX_INFLATED_CHUNK);
      },
      isClean: (err) => err instanceof PngFormatError,
    });
    expect(failures).toEqual([]);
    // the CRC repair lets a good share through to the text and ICC parsers
    expect(counts.parsed).toBeGreaterThan(300);
    expect(counts.peakArrayBuffers).toBeLessThan(64 * 2 ** 20);
  });

  it('refuses a zTXt zip bomb before inflating it', async () => {
    const png = (await seeds())[0] as Buffer;
    const bomb = withChunks(png, [chunk('zTXt', concat(latin('Comment\0\0'), deflateSync(Buffer.alloc(64 * 2 ** 20))))]);
    expect(() => readPngText(bomb)).toThrow(new PngFormatError(`zTXt chunk cannot be decompressed: it inflates to more than ${MAX_INFLATED_CHUNK} bytes`));
  });

  it('refuses text chunks without their NUL separators', async () => {
    const png = (await seeds())[0] as Buffer;
    expect(() => readPngText(withChunks(png, [chunk('tEXt', latin('no separator'))]))).toThrow(new PngFormatError('tEXt chunk has no NUL separator'));
    // keyword and flags, but the language tag never ends
    expect(() => readPngText(withChunks(png, [chunk('iTXt', latin('Title\0\0\0en'))]))).toThrow(new PngFormatError('iTXt chunk has no NUL separator'));
    expect(() => readPngText(withChunks(png, [chunk('iTXt', latin('Title\0'))]))).toThrow(PngFormatError);
    expect(() => pngIccProfile(withChunks(png, [chunk('iCCP', latin('sRGB'))]))).toThrow(new PngFormatError('iCCP chunk has no NUL separator'));
  });
});
