import { deflateSync } from 'node:zlib';

/**
 * A minimal PNG encoder written from the PNG specification (filter 0 on every row), so tests
 * can make 16-bit, grey, grey+alpha, palette and RGBA files without going through sharp.
 */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export type PngColour = 'grey' | 'grey-alpha' | 'rgb' | 'rgba' | 'palette';
const COLOUR_TYPE: Record<PngColour, number> = { grey: 0, rgb: 2, palette: 3, 'grey-alpha': 4, rgba: 6 };
const CHANNELS: Record<PngColour, number> = { grey: 1, rgb: 3, palette: 1, 'grey-alpha': 2, rgba: 4 };

export interface PngSpec {
  width: number;
  height: number;
  colour: PngColour;
  depth: 8 | 16;
  /** interleaved samples (palette: indices) */
  samples: ArrayLike<number>;
  /** palette entries as [r, g, b] */
  palette?: [number, number, number][];
  /** palette alpha per entry (tRNS) */
  paletteAlpha?: number[];
}

export function encodePng(spec: PngSpec): Buffer {
  const { width, height, colour, depth, samples } = spec;
  const ch = CHANNELS[colour];
  const bps = depth / 8;
  const rowBytes = width * ch * bps;
  const raw = Buffer.alloc(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const row = y * (rowBytes + 1);
    raw[row] = 0;
    for (let i = 0; i < width * ch; i++) {
      const v = samples[y * width * ch + i]!;
      if (bps === 2) raw.writeUInt16BE(v, row + 1 + i * 2);
      else raw[row + 1 + i] = v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = COLOUR_TYPE[colour];
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (colour === 'palette') {
    parts.push(chunk('PLTE', Uint8Array.from((spec.palette ?? []).flat())));
    if (spec.paletteAlpha) parts.push(chunk('tRNS', Uint8Array.from(spec.paletteAlpha)));
  }
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** a well-formed 1x1 grey PNG whose header claims `width` x `height`: what a decompression bomb looks like from outside */
export function pngClaimingSize(width: number, height: number): Buffer {
  const png = encodePng({ width: 1, height: 1, colour: 'grey', depth: 8, samples: [0] });
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}
