import sharp from 'sharp';
import { UserError } from '../common/errors';

/**
 * An image as three Float64 planes (R, G, B; row-major) on a 0..255 scale. 8-bit files
 * give their integer values; 16-bit files are divided by 257 so nothing is rounded away.
 * Grey images are repeated on the three planes; palette images are expanded; alpha is
 * ignored (metrics compare the stored colours, not a composite on some background).
 */
export interface RgbImage {
  width: number;
  height: number;
  planes: [Float64Array, Float64Array, Float64Array];
}

/** a selection of pixels: `data[i]` is 1 inside, 0 outside */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

async function decode(path: string): Promise<{ data: Uint8Array | Uint16Array; width: number; height: number; channels: number; divisor: number }> {
  const meta = await sharp(path)
    .metadata()
    .catch((err: unknown) => {
      throw new UserError('bad-image', `cannot read image ${path}: ${(err as Error).message}`, 'Give a PNG, JPEG, WebP or TIFF file.', { cause: err });
    });
  const sixteen = meta.depth === 'ushort';
  const img = sharp(path).toColourspace(sixteen ? 'rgb16' : 'srgb');
  const { data, info } = await img.raw(sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
  // a Uint16Array view needs an even offset; copy in the rare case sharp's buffer has none
  const bytes = sixteen && data.byteOffset % 2 !== 0 ? Buffer.from(data) : data;
  const values = sixteen ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  return { data: values, width: info.width, height: info.height, channels: info.channels, divisor: sixteen ? 257 : 1 };
}

/** reads an image file into 0..255 RGB planes */
export async function loadRgb(path: string): Promise<RgbImage> {
  const { data, width, height, channels, divisor } = await decode(path);
  const n = width * height;
  const planes: [Float64Array, Float64Array, Float64Array] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const grey = channels < 3;
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    for (let c = 0; c < 3; c++) planes[c][i] = data[grey ? o : o + c] / divisor;
  }
  return { width, height, planes };
}

/**
 * reads a mask: a pixel is inside when its grey level is at least half of full scale and,
 * when the file has alpha, it is at least half opaque (so both black-and-white masks and
 * painted-on-transparent masks work)
 */
export async function loadMask(path: string): Promise<Mask> {
  const { data, width, height, channels, divisor } = await decode(path);
  const n = width * height;
  const out = new Uint8Array(n);
  const alpha = channels === 4 || channels === 2;
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const grey = channels < 3 ? data[o] : 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2];
    const opaque = !alpha || data[o + channels - 1] / divisor >= 127.5;
    out[i] = grey / divisor >= 127.5 && opaque ? 1 : 0;
  }
  return { width, height, data: out };
}

/** BT.601 luma as float, no rounding: Y = 0.299 R + 0.587 G + 0.114 B */
export function luma(img: RgbImage): Float64Array {
  const [r, g, b] = img.planes;
  const y = new Float64Array(r.length);
  for (let i = 0; i < y.length; i++) y[i] = 0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i];
  return y;
}

/** throws a UserError naming both files when two images (or an image and a mask) differ in size */
export function assertSameSize(a: { width: number; height: number }, b: { width: number; height: number }, nameA: string, nameB: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new UserError(
      'size-mismatch',
      `${nameA} is ${a.width}x${a.height} but ${nameB} is ${b.width}x${b.height}`,
      'Compare images of the same size (resize the output to its source first).',
    );
  }
}
