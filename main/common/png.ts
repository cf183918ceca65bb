import { crc32 as zlibCrc32 } from 'node:zlib';

/** the eight bytes every PNG file starts with */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngChunk {
  type: string;
  data: Buffer;
}

/** CRC-32 as the PNG specification defines it (ISO 3309), over the parts in order (chunk type + data) */
export function crc32(parts: Uint8Array[]): number {
  let c = 0;
  for (const part of parts) c = zlibCrc32(part, c);
  return c >>> 0;
}

/** one chunk as it sits in the file: length, type, data, CRC of type + data */
export function encodePngChunk(type: string, data: Buffer): Buffer {
  if (!/^[A-Za-z]{4}$/.test(type)) throw new Error(`invalid PNG chunk type '${type}'`);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32([head.subarray(4, 8), data]), 0);
  return Buffer.concat([head, data, tail]);
}

/** a PNG file from its chunks, in the order given (IHDR first, IEND last is the caller's to keep) */
export function encodePng(chunks: PngChunk[]): Buffer {
  return Buffer.concat([PNG_SIGNATURE, ...chunks.map((c) => encodePngChunk(c.type, c.data))]);
}
