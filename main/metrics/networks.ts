import { existsSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { UserError } from '../common/errors';
import type { RgbImage } from './image';
import { resizeBilinear } from './resize';

/** an image input of a supplied network: float32 [N, 3, H, W]; null where a dimension is symbolic */
export interface ImageInput {
  name: string;
  batch: number | null;
  height: number | null;
  width: number | null;
}

export async function openNetwork(file: string, what: string): Promise<ort.InferenceSession> {
  if (!existsSync(file)) throw new UserError('model-missing', `${what} model ${file} does not exist`, `Give the path of the ${what} .onnx file.`);
  try {
    ort.env.logLevel = 'fatal';
    return await ort.InferenceSession.create(file, { executionProviders: ['cpu'], logSeverityLevel: 4 });
  } catch (err) {
    throw new UserError('model-unreadable', `cannot load ${what} model ${file}: ${(err as Error).message.split('\n')[0]}`, 'Give an ONNX model file exported for onnxruntime.', { cause: err });
  }
}

function describeShape(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(', ')}]`;
}

const fixed = (d: number | string | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null);

/** checks that `meta` is a float32 [N, 3, H, W] tensor input and reads its fixed dimensions */
export function imageInput(meta: ort.InferenceSession.ValueMetadata, file: string, contract: string): ImageInput {
  const fail = (problem: string) => new UserError('model-contract', `${file}: input '${meta.name}' ${problem}`, contract);
  if (!meta.isTensor) throw fail('is not a tensor');
  if (meta.type !== 'float32') throw fail(`is ${meta.type}, not float32`);
  if (meta.shape.length !== 4) throw fail(`has shape ${describeShape(meta.shape)}, not [N, 3, H, W]`);
  if (meta.shape[1] !== 3) throw fail(`has shape ${describeShape(meta.shape)}: the second dimension must be 3 (RGB, NCHW)`);
  return { name: meta.name, batch: fixed(meta.shape[0]), height: fixed(meta.shape[2]), width: fixed(meta.shape[3]) };
}

/** elements per batch row of an output, or null when a non-batch dimension is symbolic */
export function outputElementsPerRow(meta: ort.InferenceSession.ValueMetadata): number | null {
  if (!meta.isTensor || meta.shape.length === 0) return null;
  let n = 1;
  for (const d of meta.shape.slice(1)) {
    const f = fixed(d);
    if (f === null) return null;
    n *= f;
  }
  return n;
}

/**
 * packs images into a float32 NCHW tensor of `width` x `height` (bilinear, half-pixel centres),
 * mapping each 0..255 value through `normalise(value, channel)`
 */
export function toNchw(images: RgbImage[], width: number, height: number, normalise: (v: number, channel: number) => number): ort.Tensor {
  const plane = width * height;
  const data = new Float32Array(images.length * 3 * plane);
  images.forEach((img, i) => {
    for (let c = 0; c < 3; c++) {
      const resized = resizeBilinear(img.planes[c], img.width, img.height, width, height);
      const o = (i * 3 + c) * plane;
      for (let p = 0; p < plane; p++) data[o + p] = normalise(resized[p], c);
    }
  });
  return new ort.Tensor('float32', data, [images.length, 3, height, width]);
}
