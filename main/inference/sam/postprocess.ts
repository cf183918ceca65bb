import { SAM_SIZE, type SamFrame } from './sam-frame';

/** one byte a pixel at the image size: 255 inside the object, 0 outside */
export interface SamMask {
  width: number;
  height: number;
  data: Uint8Array;
  /** the decoder's predicted IoU of the chosen mask */
  score: number;
}

/** the index of the mask with the highest predicted IoU */
export function bestMask(iou: Float32Array | readonly number[]): number {
  let best = 0;
  for (let i = 1; i < iou.length; i++) if (iou[i]! > iou[best]!) best = i;
  return best;
}

/**
 * Mask logits back to the image, thresholded at 0 (mask_threshold of both predictors).
 * Logits already at the image size (SAM 1 decoders given orig_im_size) are only
 * thresholded; others cover the 1024 square at their own resolution (SAM 1 low-res masks,
 * SAM 2 masks): each image pixel samples them bilinearly (half-pixel centres, as
 * F.interpolate with align_corners=False) at its place in the frame, which drops SAM 1's
 * padding.
 */
export function maskToImage(logits: Float32Array, maskWidth: number, maskHeight: number, frame: SamFrame, score = 0): SamMask {
  const { imageWidth: w, imageHeight: h } = frame;
  const out = new Uint8Array(w * h);
  if (maskWidth === w && maskHeight === h) {
    for (let i = 0; i < out.length; i++) out[i] = logits[i]! > 0 ? 255 : 0;
    return { width: w, height: h, data: out, score };
  }
  const sx = (frame.width / w) * (maskWidth / SAM_SIZE);
  const sy = (frame.height / h) * (maskHeight / SAM_SIZE);
  const xs = new Int32Array(w * 2);
  const wx = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const u = Math.min(maskWidth - 1, Math.max(0, (x + 0.5) * sx - 0.5));
    const u0 = Math.floor(u);
    xs[2 * x] = u0;
    xs[2 * x + 1] = Math.min(maskWidth - 1, u0 + 1);
    wx[x] = u - u0;
  }
  for (let y = 0; y < h; y++) {
    const v = Math.min(maskHeight - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const v0 = Math.floor(v);
    const v1 = Math.min(maskHeight - 1, v0 + 1);
    const fy = v - v0;
    const r0 = v0 * maskWidth;
    const r1 = v1 * maskWidth;
    for (let x = 0; x < w; x++) {
      const a = xs[2 * x]!;
      const b = xs[2 * x + 1]!;
      const fx = wx[x]!;
      const top = logits[r0 + a]! * (1 - fx) + logits[r0 + b]! * fx;
      const bottom = logits[r1 + a]! * (1 - fx) + logits[r1 + b]! * fx;
      out[y * w + x] = top * (1 - fy) + bottom * fy > 0 ? 255 : 0;
    }
  }
  return { width: w, height: h, data: out, score };
}
