import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { UserError } from '../../common/errors';
import type { Mask } from '../image/mask';
import { labelOfPixel, REGION_ROLES, type RegionRole } from '../../../preload/api/region-types';

/** the role of each pixel of a label mask (index into REGION_ROLES, -1: none), from RGB samples */
export function labelsOf(rgb: Uint8Array | Buffer, pixels: number): Int8Array {
  const out = new Int8Array(pixels);
  for (let p = 0; p < pixels; p++) out[p] = labelOfPixel(rgb[3 * p]!, rgb[3 * p + 1]!, rgb[3 * p + 2]!);
  return out;
}

/**
 * One role's mask from a label mask PNG (colours LABEL_COLOURS), at the source's size: 1 where
 * the pixel's nearest label colour is the role's. A label mask of another size is scaled with
 * the nearest pixel (labels are not blended) when its aspect matches.
 */
export async function readLabelMask(path: string, role: RegionRole, sourceWidth: number, sourceHeight: number, what = 'label mask'): Promise<Mask> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new UserError('file-not-found', `${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'Check the path.');
  }
  let data: Buffer;
  let width: number;
  let height: number;
  try {
    const meta = await sharp(bytes).metadata();
    width = meta.width ?? 0;
    height = meta.height ?? 0;
    if ((width !== sourceWidth || height !== sourceHeight) && Math.abs(width / height - sourceWidth / sourceHeight) > 0.01 * (sourceWidth / sourceHeight)) {
      throw new UserError('mask-size', `${what} ${path} is ${width}x${height} but the input image is ${sourceWidth}x${sourceHeight}`, 'Save the label mask at the size of the render.');
    }
    ({ data } = await sharp(bytes, { failOn: 'error' }).removeAlpha().resize(sourceWidth, sourceHeight, { fit: 'fill', kernel: 'nearest' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }));
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError('image-unreadable', `${what} ${path} is not a readable image (${(err as Error).message})`, 'Give a PNG whose colours are the label colours (docs/region-passes.md).');
  }
  const labels = labelsOf(data, sourceWidth * sourceHeight);
  const k = REGION_ROLES.indexOf(role);
  return { width: sourceWidth, height: sourceHeight, data: Float32Array.from(labels, (l) => (l === k ? 1 : 0)) };
}
