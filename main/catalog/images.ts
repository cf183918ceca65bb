import sharp from 'sharp';
import { DEFAULT_IMAGE_LIMITS, pixelLimitProblem } from '../common/image-limits';
import { ASSET_EXT } from './assets';

export interface DecodedImage {
  /** extension assets of this format are stored under */
  ext: string;
  width: number;
  height: number;
}

/** why an image cannot be used, in words for a person */
export class ImageProblem extends Error {
  override name = 'ImageProblem';
}

function reason(err: unknown): string {
  const msg = ((err as Error).message ?? String(err)).split('\n')[0]!.trim();
  if (/exceeds pixel limit/i.test(msg)) return `image too large: more than ${(DEFAULT_IMAGE_LIMITS.maxPixels / 1e6).toFixed(1)} megapixels once decoded`;
  if (/unsupported image format/i.test(msg)) return 'not an image in a format R2R Studio reads (PNG, JPEG, WebP, TIFF, AVIF)';
  if (/premature end|truncat|unexpected end|not enough data|read error|incomplete/i.test(msg)) return `truncated image (${msg})`;
  return `corrupt image (${msg})`;
}

/**
 * Decodes the whole image (header and every pixel), so files cut short or damaged in the
 * middle are caught on import rather than when someone opens them.
 */
export async function decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
  if (bytes.length === 0) throw new ImageProblem('empty file');
  let format: string | undefined;
  try {
    // the header alone first: an image over the limit is named as such, not as corrupt
    const meta = await sharp(bytes, { failOn: 'warning', limitInputPixels: false }).metadata();
    format = meta.format;
    const ext = format ? ASSET_EXT[format] : undefined;
    if (!ext) throw new ImageProblem(`unsupported image format '${format ?? 'unknown'}'`);
    // the same limit as generate: a library image generate refuses would be a trap
    const tooLarge = pixelLimitProblem(meta.width, meta.height, DEFAULT_IMAGE_LIMITS.maxPixels);
    if (tooLarge) throw new ImageProblem(`image too large: ${tooLarge}`);
    // limitInputPixels repeats the guard inside libvips, in case the header lied
    const img = sharp(bytes, { failOn: 'warning', limitInputPixels: DEFAULT_IMAGE_LIMITS.maxPixels });
    // every pixel decoded: damage anywhere fails here. (stats() would need less memory but
    // misses truncation when several images decode at once; raw output does not.)
    await img.raw().toBuffer();
    return { ext, width: meta.width, height: meta.height };
  } catch (err) {
    if (err instanceof ImageProblem) throw err;
    throw new ImageProblem(reason(err));
  }
}
