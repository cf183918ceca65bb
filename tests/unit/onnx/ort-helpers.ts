import * as ort from 'onnxruntime-node';
import type { Model } from '../../../main/inference/onnx/model';
import { modelToBytes } from '../../../main/inference/onnx/write-model';
import { seededRandom } from '../../../main/common/seeded-random';

export async function session(model: Model | string): Promise<ort.InferenceSession> {
  return typeof model === 'string' ? ort.InferenceSession.create(model) : ort.InferenceSession.create(modelToBytes(model));
}

export function randomFloats(n: number, seed: number, scale = 1): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

export function f32(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

export function i64(values: number[], dims = [values.length]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);
}

/** unet feeds for a batch of `batch` rows at latent size h x w */
export function unetFeeds(batch: number, h: number, w: number, seed = 1): Record<string, ort.Tensor> {
  return {
    sample: f32(randomFloats(batch * 4 * h * w, seed), [batch, 4, h, w]),
    timestep: i64(new Array(batch).fill(400)),
    encoder_hidden_states: f32(randomFloats(batch * 77 * 768, seed + 1), [batch, 77, 768]),
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** row `i` of a tensor whose first dimension is the batch */
export function row(t: ort.Tensor, i: number): Float32Array {
  const d = t.data as Float32Array;
  const n = d.length / t.dims[0]!;
  return d.subarray(i * n, (i + 1) * n);
}
