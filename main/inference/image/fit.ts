import sharp from 'sharp';
import { UserError } from '../../common/errors';
import type { SourceImage } from './source-image';

/**
 * Where the source lands on the model's canvas: resized keeping its aspect into `box`,
 * the rest padded with the background. Mapping the output back crops `box` and resizes it
 * to the source size.
 */
export interface FitPlan {
  sourceWidth: number;
  sourceHeight: number;
  /** the model canvas, multiples of the model's size multiple */
  width: number;
  height: number;
  box: { left: number; top: number; width: number; height: number };
}

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** white: renders are usually shot on white, and it is the neutral catalog background */
export const DEFAULT_BACKGROUND: Rgb = { r: 255, g: 255, b: 255 };

/** interleaved float RGB in [0, 1] */
export interface RgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * The model canvas for a source: the requested size, else 768x1024 (w x h) for portrait
 * and square sources and 1024x768 for landscape ones; one given side derives the other from
 * the aspect. Sides must be multiples of `multiple` (64 for SD 1.x: VAE /8, UNet /8).
 */
export function chooseModelSize(sourceWidth: number, sourceHeight: number, requested: { width?: number; height?: number } = {}, multiple = 64): { width: number; height: number } {
  const roundTo = (v: number) => Math.max(multiple, Math.round(v / multiple) * multiple);
  let { width, height } = requested;
  if (width === undefined && height === undefined) {
    [width, height] = sourceWidth > sourceHeight ? [1024, 768] : [768, 1024];
  } else if (width === undefined) {
    width = roundTo((height! * sourceWidth) / sourceHeight);
  } else if (height === undefined) {
    height = roundTo((width * sourceHeight) / sourceWidth);
  }
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v! < multiple || v! % multiple !== 0) {
      throw new UserError('bad-size', `${name} ${v} is not a positive multiple of ${multiple}`, `The model works on sides that are multiples of ${multiple}: use ${roundTo(v!)}.`);
    }
  }
  return { width: width!, height: height! };
}

export function planFit(sourceWidth: number, sourceHeight: number, width: number, height: number): FitPlan {
  const scale = Math.min(width / sourceWidth, height / sourceHeight);
  const bw = Math.min(width, Math.max(1, Math.round(sourceWidth * scale)));
  const bh = Math.min(height, Math.max(1, Math.round(sourceHeight * scale)));
  return { sourceWidth, sourceHeight, width, height, box: { left: Math.floor((width - bw) / 2), top: Math.floor((height - bh) / 2), width: bw, height: bh } };
}

/** 16-bit RGB with alpha composited on the background (straight alpha), done here so it is exact */
function flattenTo16(src: SourceImage, background: Rgb): Uint16Array {
  const n = src.width * src.height;
  const out = new Uint16Array(n * 3);
  const up = src.depth === 16 ? 1 : 257;
  const bg = [background.r * 257, background.g * 257, background.b * 257];
  const d = src.data;
  const ch = src.channels;
  for (let i = 0; i < n; i++) {
    if (ch === 4) {
      const a = (d[i * 4 + 3]! * up) / 65535;
      for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(d[i * 4 + c]! * up * a + bg[c]! * (1 - a));
    } else {
      for (let c = 0; c < 3; c++) out[i * 3 + c] = d[i * 3 + c]! * up;
    }
  }
  return out;
}

function toFloat(data: Buffer, scale: number): Float32Array {
  const u16 = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const out = new Float32Array(u16.length);
  const inv = 1 / scale;
  for (let i = 0; i < u16.length; i++) out[i] = u16[i]! * inv;
  return out;
}

function toU16(rgb: RgbImage): Uint16Array {
  const out = new Uint16Array(rgb.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = rgb.data[i]!;
    out[i] = v <= 0 ? 0 : v >= 1 ? 65535 : Math.round(v * 65535);
  }
  return out;
}

/**
 * The source as the model sees it: alpha composited on `background` (straight alpha), resized
 * into the plan's box with lanczos3 in 16-bit, padded with the background.
 */
export async function fitSourceToModel(src: SourceImage, plan: FitPlan, background: Rgb = DEFAULT_BACKGROUND): Promise<RgbImage> {
  const { box } = plan;
  let img = sharp(flattenTo16(src, background), { raw: { width: src.width, height: src.height, channels: 3 } });
  if (box.width !== src.width || box.height !== src.height) img = img.resize(box.width, box.height, { fit: 'fill', kernel: 'lanczos3' });
  const data = await img.toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
  const inner = toFloat(data, 65535);
  // the padding is filled here rather than by sharp so the background value is exact at any depth
  const out = new Float32Array(plan.width * plan.height * 3);
  const bg = [background.r / 255, background.g / 255, background.b / 255];
  for (let i = 0; i < plan.width * plan.height; i++) out.set(bg, i * 3);
  for (let y = 0; y < box.height; y++) out.set(inner.subarray(y * box.width * 3, (y + 1) * box.width * 3), ((box.top + y) * plan.width + box.left) * 3);
  return { width: plan.width, height: plan.height, data: out };
}

/** The model's output mapped back onto the source: the box cropped and resized to the source size. */
export async function mapModelOutputToSource(out: RgbImage, plan: FitPlan): Promise<RgbImage> {
  const { box } = plan;
  let img = sharp(toU16(out), { raw: { width: out.width, height: out.height, channels: 3 } }).extract(box);
  if (box.width !== plan.sourceWidth || box.height !== plan.sourceHeight) {
    img = img.resize(plan.sourceWidth, plan.sourceHeight, { fit: 'fill', kernel: 'lanczos3' });
  }
  const data = await img.toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
  return { width: plan.sourceWidth, height: plan.sourceHeight, data: toFloat(data, 65535) };
}
