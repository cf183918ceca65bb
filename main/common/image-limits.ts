// how large an image the studio reads, for every reader (the engine's sources and masks, the
// catalog's importer): plain numbers and one wording, so they live below both
export interface ImageLimits {
  /** decompression-bomb guard: images with more pixels are refused before decoding */
  maxPixels: number;
  /** images with a shorter side are refused: too little to work with */
  minSide: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxPixels: 64_000_000, minSide: 64 };

/**
 * Why an image is too big to work with, or undefined when it is not: the one wording every
 * reader of images uses (generate, import), e.g. "20000x20000 = 400.0 megapixels, over the
 * limit of 64.0 megapixels".
 */
export function pixelLimitProblem(width: number, height: number, maxPixels: number = DEFAULT_IMAGE_LIMITS.maxPixels): string | undefined {
  // written so that a size the decoder did not report (NaN) is not called too large
  if (!(width * height > maxPixels)) return undefined;
  return `${width}x${height} = ${((width * height) / 1e6).toFixed(1)} megapixels, over the limit of ${(maxPixels / 1e6).toFixed(1)} megapixels`;
}
