import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { UserError } from '../../common/errors';
import type { FitPlan } from './fit';
import { DEFAULT_IMAGE_LIMITS, pixelLimitProblem } from './source-image';

/** a single-channel weight map in [0, 1], row-major */
export interface Mask {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * Reads a mask PNG (any format sharp reads) at the source's size: white = 1 (edit / lock),
 * black = 0; transparent pixels count as 0. A mask of another size is resized when its
 * aspect matches the source's within 1%, refused otherwise.
 */
export async function readMask(path: string, sourceWidth: number, sourceHeight: number, what = 'mask'): Promise<Mask> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new UserError('file-not-found', `${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'Check the path.');
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new UserError('image-unreadable', `${what} ${path} is not a readable image (${(err as Error).message})`, 'Give a black-and-white PNG, white where the change applies.');
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  const tooLarge = pixelLimitProblem(w, h, DEFAULT_IMAGE_LIMITS.maxPixels);
  if (tooLarge) throw new UserError('image-too-large', `${what} ${path} is ${tooLarge}`, 'Save the mask at the size of the input image.');
  if (w !== sourceWidth || h !== sourceHeight) {
    if (Math.abs(w / h - sourceWidth / sourceHeight) > 0.01 * (sourceWidth / sourceHeight)) {
      throw new UserError('mask-size', `${what} ${path} is ${w}x${h} but the input image is ${sourceWidth}x${sourceHeight}`, 'Save the mask at the size of the input image.');
    }
  }
  try {
    const { data } = await sharp(bytes, { failOn: 'error' })
      .rotate()
      .ensureAlpha()
      .resize(sourceWidth, sourceHeight, { fit: 'fill', kernel: 'linear' })
      .toColourspace('rgb16')
      .raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
    const px = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    const out = new Float32Array(sourceWidth * sourceHeight);
    for (let i = 0; i < out.length; i++) {
      const luma = (0.2126 * px[4 * i]! + 0.7152 * px[4 * i + 1]! + 0.0722 * px[4 * i + 2]!) / 65535;
      out[i] = Math.min(1, Math.max(0, luma * (px[4 * i + 3]! / 65535)));
    }
    return { width: sourceWidth, height: sourceHeight, data: out };
  } catch (err) {
    throw new UserError('image-unreadable', `${what} ${path} could not be decoded (${(err as Error).message})`, 'Re-export the mask as PNG.');
  }
}

/** the mask on the model canvas (padding = 0) */
export async function fitMaskToModel(mask: Mask, plan: FitPlan): Promise<Mask> {
  const u16 = new Uint16Array(mask.data.length);
  for (let i = 0; i < u16.length; i++) u16[i] = Math.round(mask.data[i]! * 65535);
  const { box } = plan;
  const data = await sharp(u16, { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .resize(box.width, box.height, { fit: 'fill', kernel: 'linear' })
    .extend({ left: box.left, top: box.top, right: plan.width - box.width - box.left, bottom: plan.height - box.height - box.top, background: { r: 0, g: 0, b: 0 } })
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer();
  const px = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const out = new Float32Array(plan.width * plan.height);
  for (let i = 0; i < out.length; i++) out[i] = px[i]! / 65535;
  return { width: plan.width, height: plan.height, data: out };
}

/** area average over `factor` x `factor` cells: the mask at latent resolution */
export function downsampleMask(mask: Mask, factor: number): Mask {
  const w = Math.floor(mask.width / factor);
  const h = Math.floor(mask.height / factor);
  const out = new Float32Array(w * h);
  const inv = 1 / (factor * factor);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = (y * factor + dy) * mask.width + x * factor;
        for (let dx = 0; dx < factor; dx++) s += mask.data[row + dx]!;
      }
      out[y * w + x] = s * inv;
    }
  }
  return { width: w, height: h, data: out };
}

function boxBlurPass(src: Float32Array, dst: Float32Array, n: number, stride: number, count: number, lineStride: number, r: number): void {
  // one running-sum box blur along each line, edges clamped
  const norm = 1 / (2 * r + 1);
  for (let line = 0; line < count; line++) {
    const base = line * lineStride;
    let acc = 0;
    for (let k = -r; k <= r; k++) acc += src[base + Math.min(n - 1, Math.max(0, k)) * stride]!;
    for (let i = 0; i < n; i++) {
      dst[base + i * stride] = acc * norm;
      const add = Math.min(n - 1, i + r + 1);
      const sub = Math.max(0, i - r);
      acc += src[base + add * stride]! - src[base + sub * stride]!;
    }
  }
}

/** three box blurs: close to a gaussian with sigma ~ radius / sqrt(3), linear time in the radius */
export function blurMask(mask: Mask, radius: number): Mask {
  const r = Math.max(0, Math.round(radius / Math.sqrt(3)));
  let a = Float32Array.from(mask.data);
  if (r === 0) return { ...mask, data: a };
  let b = new Float32Array(a.length);
  for (let pass = 0; pass < 3; pass++) {
    boxBlurPass(a, b, mask.width, 1, mask.height, mask.width, r);
    [a, b] = [b, a];
    boxBlurPass(a, b, mask.height, mask.width, mask.width, 1, r);
    [a, b] = [b, a];
  }
  return { ...mask, data: a };
}

/**
 * Softens the mask's edge inward only: weight = mask * clamp(2 * blur(mask) - 1, 0, 1), so
 * the ramp lies inside the edited region and every pixel where the mask is 0 stays 0
 * (those pixels are copied from the source unchanged).
 */
export function featherMask(mask: Mask, radius: number): Mask {
  if (radius <= 0) return { ...mask, data: Float32Array.from(mask.data) };
  const blurred = blurMask(mask, radius).data;
  const out = new Float32Array(mask.data.length);
  for (let i = 0; i < out.length; i++) {
    const m = mask.data[i]!;
    out[i] = m <= 0 ? 0 : m * Math.min(1, Math.max(0, 2 * blurred[i]! - 1));
  }
  return { ...mask, data: out };
}
