import sharp from 'sharp';
import { toRgb8 } from './planes';
import type { RgbImage } from './planes';

/** the image as an 8-bit RGB PNG */
export async function encodeRgbPng(img: RgbImage): Promise<Buffer> {
  const rgb = toRgb8(img);
  return sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
}
