import { UserError } from '../common/errors';
import type { Mask, RgbImage } from './image';
import { assertSameSize, luma } from './image';
import { croppedMean, maskedMean, SKIMAGE_SSIM, ssimMap, ssimWindowSize } from './ssim';

/**
 * SSIM of a pair on RGB (mean of the three per-channel scores, as skimage with
 * channel_axis) and on BT.601 luma. With a mask, `masked_*` is the mean of the *full* SSIM
 * map over the mask's pixels: unlike the whole-image score, no border is cropped, so mask
 * pixels within 5 px of the image edge count too, their windows filled by reflection (the
 * same values skimage's `full=True` map holds there). For RGB the masked value is the mean
 * over channels of each channel's masked mean.
 */
export interface SsimReport {
  ssim_rgb: number;
  ssim_luma: number;
  width: number;
  height: number;
  masked_ssim_rgb?: number;
  masked_ssim_luma?: number;
  mask_pixels?: number;
}

export function compareSsim(a: RgbImage, b: RgbImage, mask?: Mask, names: [string, string, string] = ['first image', 'second image', 'mask']): SsimReport {
  assertSameSize(a, b, names[0], names[1]);
  if (mask) assertSameSize(a, mask, names[0], names[2]);
  const { width, height } = a;
  const pad = (ssimWindowSize(SKIMAGE_SSIM) - 1) >> 1;
  let maskPixels = 0;
  if (mask) {
    for (let i = 0; i < mask.data.length; i++) maskPixels += mask.data[i] ? 1 : 0;
    if (maskPixels === 0) throw new UserError('empty-mask', `the ${names[2]} selects no pixels`, 'Paint the region to measure in white (or opaque) on the mask.');
  }
  let rgb = 0;
  let maskedRgb = 0;
  for (let c = 0; c < 3; c++) {
    const map = ssimMap(a.planes[c], b.planes[c], width, height);
    rgb += croppedMean(map, width, height, pad) / 3;
    if (mask) maskedRgb += (maskedMean(map, mask.data) as number) / 3;
  }
  const lumaMap = ssimMap(luma(a), luma(b), width, height);
  const report: SsimReport = { ssim_rgb: rgb, ssim_luma: croppedMean(lumaMap, width, height, pad), width, height };
  if (mask) {
    report.masked_ssim_rgb = maskedRgb;
    report.masked_ssim_luma = maskedMean(lumaMap, mask.data) as number;
    report.mask_pixels = maskPixels;
  }
  return report;
}
