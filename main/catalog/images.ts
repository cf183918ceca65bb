import sharp from 'sharp';
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
    const img = sharp(bytes, { failOn: 'warning', limitInputPixels: 16384 * 16384 });
    const meta = await img.metadata();
    format = meta.format;
    const ext = format ? ASSET_EXT[format] : undefined;
    if (!ext) throw new ImageProblem(`unsupported image format '${format ?? 'unknown'}'`);
    // every pixel decoded: damage anywhere fails here. (stats() would need less memory but
    // misses truncation when several images decode at once; raw output does not.)
    await img.raw().toBuffer();
    return { ext, width: meta.width, height: meta.height };
  } catch (err) {
    if (err instanceof ImageProblem) throw err;
    throw new ImageProblem(reason(err));
  }
}
