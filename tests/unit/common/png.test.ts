import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng, encodePngChunk } from '../../../main/common/png';
import { readPngChunks } from '../../../main/export/metadata/png-chunks';
import { previewDataUrl } from '../../../main/inference/pipelines/preview-png';

describe('common/png: the one PNG chunk writer', () => {
  it('computes the standard CRC-32 check value, the same over parts as over their concatenation', () => {
    expect(crc32([Buffer.from('123456789')])).toBe(0xcbf43926);
    expect(crc32([Buffer.from('1234'), Buffer.from(''), Buffer.from('56789')])).toBe(0xcbf43926);
    expect(crc32([])).toBe(0);
  });

  it('writes the IEND and IHDR chunks byte for byte as every PNG carries them', () => {
    expect(encodePngChunk('IEND', Buffer.alloc(0)).toString('hex')).toBe('0000000049454e44ae426082');
    // 1x1 8-bit greyscale IHDR; python's zlib.crc32(b'IHDR' + data) is 0x3a7e9b55
    const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    expect(encodePngChunk('IHDR', ihdr).toString('hex')).toBe('0000000d49484452000000010000000108000000003a7e9b55');
  });

  it('refuses a chunk type that is not four ASCII letters', () => {
    expect(() => encodePngChunk('IDA', Buffer.alloc(0))).toThrow(/chunk type/);
    expect(() => encodePngChunk('ID4T', Buffer.alloc(0))).toThrow(/chunk type/);
  });

  it('assembles a PNG that sharp decodes to the pixels written', async () => {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(2, 0);
    ihdr.writeUInt32BE(1, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    const rows = Buffer.from([0, 255, 0, 0, 0, 0, 255]); // filter byte, red, blue
    const png = encodePng([
      { type: 'IHDR', data: ihdr },
      { type: 'IDAT', data: deflateSync(rows) },
      { type: 'IEND', data: Buffer.alloc(0) },
    ]);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([2, 1, 3]);
    expect([...data]).toEqual([255, 0, 0, 0, 0, 255]);
  });

  it('encodes latent previews with it: valid chunks and the preview scaled with square pixels', async () => {
    const rgb = new Uint8Array([10, 20, 30, 200, 100, 50]);
    const url = previewDataUrl({ width: 2, height: 1, rgb }, 4);
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    const png = Buffer.from(url.slice('data:image/png;base64,'.length), 'base64');
    expect(readPngChunks(png).map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([4, 2]);
    const pixel = (x: number, y: number) => [...data.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3)];
    expect(pixel(0, 0)).toEqual([10, 20, 30]);
    expect(pixel(1, 1)).toEqual([10, 20, 30]);
    expect(pixel(2, 0)).toEqual([200, 100, 50]);
    expect(pixel(3, 1)).toEqual([200, 100, 50]);
  });
});
