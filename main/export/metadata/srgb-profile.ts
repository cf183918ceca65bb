import sharp from 'sharp';
import { pngIccProfile } from './png-chunks';

let cached: Promise<Buffer> | undefined;

/**
 * The sRGB ICC profile libvips ships (the one `withIccProfile('srgb')` embeds), read once.
 * Attaching it ourselves to pixels that are already sRGB skips libvips' identity colour
 * transform, which costs as much as the JPEG encode on a 2000x2000 shot.
 */
export function srgbIccProfile(): Promise<Buffer> {
  cached ??= sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } })
    .withIccProfile('srgb')
    .png()
    .toBuffer()
    .then((png) => {
      const icc = pngIccProfile(png);
      if (!icc) throw new Error('sharp did not embed its sRGB profile');
      return icc;
    });
  return cached;
}
