import type { SamVariant } from './sam-contract';

/** the side of the square both SAM encoders take */
export const SAM_SIZE = 1024;

/**
 * Where the image lies in the encoder's 1024x1024 input.
 * SAM 1 / MobileSAM: resized so the longest side is 1024 (ResizeLongestSide in
 * segment_anything/utils/transforms.py: new side = int(side * 1024 / longest + 0.5)) and
 * padded at the bottom and right (Sam.preprocess). SAM 2: stretched to 1024x1024 without
 * padding (SAM2Transforms in sam2/utils/transforms.py resizes to (1024, 1024)).
 */
export interface SamFrame {
  variant: SamVariant;
  imageWidth: number;
  imageHeight: number;
  /** the image's size inside the 1024 square; the rest (SAM 1 only) is padding */
  width: number;
  height: number;
}

export function samFrame(variant: SamVariant, imageWidth: number, imageHeight: number): SamFrame {
  if (variant === 'sam2') return { variant, imageWidth, imageHeight, width: SAM_SIZE, height: SAM_SIZE };
  const scale = SAM_SIZE / Math.max(imageWidth, imageHeight);
  return {
    variant,
    imageWidth,
    imageHeight,
    width: Math.min(SAM_SIZE, Math.floor(imageWidth * scale + 0.5)),
    height: Math.min(SAM_SIZE, Math.floor(imageHeight * scale + 0.5)),
  };
}

/** an image pixel position in the encoder's 1024 space (apply_coords of either transform) */
export function toModelPoint(frame: SamFrame, x: number, y: number): [number, number] {
  return [x * (frame.width / frame.imageWidth), y * (frame.height / frame.imageHeight)];
}
