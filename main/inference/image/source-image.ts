import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { UserError } from '../../common/errors';
import { DEFAULT_IMAGE_LIMITS, pixelLimitProblem, type ImageLimits } from '../../common/image-limits';

export { DEFAULT_IMAGE_LIMITS, pixelLimitProblem, type ImageLimits };

/**
 * A decoded image kept at its own bit depth, so that pixels outside an edit mask can be
 * written back bit for bit. Grey sources are expanded to RGB (the three samples are equal)
 * and remember `grey` so they are written back as grey; palette sources decode to RGB(A).
 */
export interface SourceImage {
  path: string;
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA, straight alpha) */
  channels: 3 | 4;
  depth: 8 | 16;
  grey: boolean;
  /** interleaved samples, row-major */
  data: Uint8Array | Uint16Array;
  /** the decoder's name for the file format (png, jpeg, webp, ...) */
  format: string;
}

/** the decoded samples in [0, 1] as a float, for any depth */
export function sampleScale(depth: 8 | 16): number {
  return depth === 16 ? 65535 : 255;
}

async function readBytes(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError('file-not-found', `${what} ${path} does not exist`, 'Check the path.');
    if (code === 'EISDIR') throw new UserError('not-a-file', `${what} ${path} is a folder, not an image file`, 'Give the path of a PNG, JPEG or WebP file.');
    throw new UserError('file-unreadable', `cannot read ${what} ${path}: ${(err as Error).message}`, 'Check the file permissions.');
  }
}

/**
 * Reads a PNG, JPEG or WebP (anything libvips decodes) into a SourceImage. 16-bit, grey,
 * grey+alpha, palette (with or without transparency) and CMYK files are converted, not
 * refused; EXIF orientation is applied. Corrupt, enormous and tiny images get a UserError.
 */
export async function readSourceImage(path: string, limits: ImageLimits = DEFAULT_IMAGE_LIMITS, what = 'image'): Promise<SourceImage> {
  const bytes = await readBytes(path, what);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new UserError('image-unreadable', `${what} ${path} is not a readable image (${(err as Error).message})`, 'Give a PNG, JPEG or WebP file; re-export it if it is damaged.', { cause: err });
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  const tooLarge = pixelLimitProblem(w, h, limits.maxPixels);
  if (tooLarge) {
    throw new UserError('image-too-large', `${what} ${path} is ${tooLarge}`, 'Downscale the image first; nothing this large is needed for a catalog shot.');
  }
  const sideAfterOrientation = Math.min(w, h);
  if (sideAfterOrientation < limits.minSide) {
    throw new UserError('image-too-small', `${what} ${path} is ${w}x${h}; its shorter side is under ${limits.minSide} pixels`, `Use an image at least ${limits.minSide} pixels on each side.`);
  }
  const depth: 8 | 16 = meta.depth === 'ushort' ? 16 : 8;
  const grey = meta.space === 'b-w' || meta.space === 'grey16';
  try {
    // limitInputPixels repeats the guard inside libvips, in case the header lied
    let img = sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error' }).rotate();
    img = depth === 16 ? img.toColourspace('rgb16') : img.toColourspace('srgb');
    const { data, info } = await img.raw(depth === 16 ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 && info.channels !== 4) throw new Error(`decoded to ${info.channels} channels`);
    const samples = depth === 16 ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { path, width: info.width, height: info.height, channels: info.channels, depth, grey, data: samples, format: meta.format ?? 'unknown' };
  } catch (err) {
    throw new UserError('image-unreadable', `${what} ${path} could not be decoded (${(err as Error).message})`, 'The file is damaged or truncated; re-export it.', { cause: err });
  }
}
