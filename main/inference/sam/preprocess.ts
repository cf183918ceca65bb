import sharp from 'sharp';
import type { SourceImage } from '../image/source-image';
import type { SamVariant } from './sam-contract';
import { SAM_SIZE, samFrame, type SamFrame } from './sam-frame';

/**
 * SAM 1 / MobileSAM normalise in 0..255 pixel units: pixel_mean and pixel_std of
 * segment_anything/modeling/sam.py (Sam.__init__ defaults), which the official ONNX export
 * leaves outside the model.
 */
export const SAM1_MEAN = [123.675, 116.28, 103.53] as const;
export const SAM1_STD = [58.395, 57.12, 57.375] as const;
/** SAM 2 scales to 0..1 first, then the ImageNet mean and std (sam2/utils/transforms.py, SAM2Transforms) */
export const SAM2_MEAN = [0.485, 0.456, 0.406] as const;
export const SAM2_STD = [0.229, 0.224, 0.225] as const;

/** 8-bit interleaved RGB */
export interface Rgb8 {
  width: number;
  height: number;
  data: Uint8Array;
}

/** 8-bit RGB of any source: 16-bit samples rounded down to 8 bits, transparency flattened onto white */
export async function sourceToRgb8(src: SourceImage): Promise<Rgb8> {
  const bytes = src.depth === 16 ? Uint8Array.from(src.data as Uint16Array, (v) => Math.round(v / 257)) : (src.data as Uint8Array);
  let img = sharp(bytes, { raw: { width: src.width, height: src.height, channels: src.channels } });
  if (src.channels === 4) img = img.flatten({ background: { r: 255, g: 255, b: 255 } });
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** the image resized to the frame's size (bilinear, as both official transforms) */
export async function resizeToFrame(img: Rgb8, frame: SamFrame): Promise<Rgb8> {
  if (img.width === frame.width && img.height === frame.height) return img;
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(frame.width, frame.height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/**
 * The encoder's NCHW float input [1, 3, 1024, 1024] from an image already resized to the
 * frame: normalised per variant; SAM 1's padding (bottom and right) stays 0 after
 * normalisation, as Sam.preprocess pads the normalised tensor.
 */
export function encoderInput(resized: Rgb8, variant: SamVariant): Float32Array {
  const plane = SAM_SIZE * SAM_SIZE;
  const out = new Float32Array(3 * plane);
  const [mean, std, unit] = variant === 'sam1' ? [SAM1_MEAN, SAM1_STD, 1] : [SAM2_MEAN, SAM2_STD, 1 / 255];
  for (let y = 0; y < resized.height; y++) {
    for (let x = 0; x < resized.width; x++) {
      const s = (y * resized.width + x) * 3;
      const d = y * SAM_SIZE + x;
      for (let c = 0; c < 3; c++) out[c * plane + d] = (resized.data[s + c]! * unit - mean[c]!) / std[c]!;
    }
  }
  return out;
}

/** the frame and encoder input of an image */
export async function prepareSamImage(img: Rgb8, variant: SamVariant): Promise<{ frame: SamFrame; input: Float32Array }> {
  const frame = samFrame(variant, img.width, img.height);
  return { frame, input: encoderInput(await resizeToFrame(img, frame), variant) };
}
