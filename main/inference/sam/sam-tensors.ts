import ort from 'onnxruntime-node';
import { UserError } from '../../common/errors';
import { float16ToFloat32, float32ToFloat16 } from '../onnx/float16';

/** a float tensor as R2R Studio keeps it, whatever type the model gives or takes */
export interface FloatTensor {
  dims: number[];
  data: Float32Array;
}

/** `values` as the tensor type the session's input wants (SAM exports differ: float32 labels, int64 labels, float16 weights) */
export function feedTensor(session: ort.InferenceSession, name: string, values: Float32Array, dims: readonly number[], label: string): ort.Tensor {
  const meta = session.inputMetadata.find((m) => m.name === name);
  const type = meta && meta.isTensor ? meta.type : 'float32';
  switch (type) {
    case 'float32':
      return new ort.Tensor('float32', values, dims);
    case 'float16':
      return new ort.Tensor('float16', float32ToFloat16(values), dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(values), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(Math.round(v))), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(values, (v) => Math.round(v)), dims);
    default:
      throw new UserError('sam-unsupported-io', `The ${label} wants input "${name}" as ${type}.`, 'Use a SAM export whose inputs are float or integer tensors.');
  }
}

/** a float output as float32 values */
export function readFloatOutput(results: ort.InferenceSession.ReturnType, name: string, label: string): FloatTensor {
  const t = results[name];
  if (!t) throw new UserError('sam-missing-output', `The ${label} gave no output "${name}" (it gave ${Object.keys(results).join(', ')}).`, 'Use a SAM ONNX export with the standard output names.');
  const dims = [...t.dims];
  if (t.type === 'float32') return { dims, data: t.data as Float32Array };
  if (t.type === 'float16') {
    const raw = t.data as unknown;
    return { dims, data: raw instanceof Uint16Array ? float16ToFloat32(raw) : Float32Array.from(raw as ArrayLike<number>) };
  }
  if (t.type === 'float64') return { dims, data: Float32Array.from(t.data as Float64Array) };
  throw new UserError('sam-unsupported-io', `The ${label} gave "${name}" as ${t.type}, not floats.`, 'Use a SAM ONNX export with float outputs.');
}
