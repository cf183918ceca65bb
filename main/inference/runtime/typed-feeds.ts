import ort from 'onnxruntime-node';
import { UserError } from '../../common/errors';
import { float16ToFloat32, float32ToFloat16 } from '../onnx/float16';

/** an input or output as the session's metadata describes it */
export interface TensorSpec {
  name: string;
  type: ort.Tensor.Type;
  /** numbers are fixed sizes, strings symbolic ones; [] is a scalar or an unknown shape (onnxruntime reports both so) */
  shape: readonly (number | string)[];
}

/** values as the pipeline holds them; the tensor type comes from the model */
export type FeedValue =
  /** float data, sent as float32, float16 or float64 as the model wants */
  | {
      kind: 'float';
      data: Float32Array;
      dims: readonly number[];
      /** the same values as float16 bits, already converted (Float16Memo): used when the model takes float16 */
      half?: Uint16Array;
    }
  /** integer data (token ids, row indices), sent as int32 or int64 */
  | { kind: 'int'; data: Int32Array | readonly number[]; dims: readonly number[] }
  /** one diffusion timestep for a batch: shape [] or [B] (or [1]), float or integer, per the model */
  | { kind: 'timestep'; value: number; batch: number };

const FLOAT_TYPES = new Set<ort.Tensor.Type>(['float32', 'float16', 'float64']);
const INT_TYPES = new Set<ort.Tensor.Type>(['int32', 'int64']);

function specsOf(metadata: readonly ort.InferenceSession.ValueMetadata[], model: string, what: string): TensorSpec[] {
  return metadata.map((m) => {
    if (!m.isTensor) {
      throw new UserError('model-unsupported-io', `${model} has a non-tensor ${what} "${m.name}".`, 'Use a Stable Diffusion ONNX export (optimum-cli export onnx); its inputs and outputs are tensors.');
    }
    return { name: m.name, type: m.type, shape: [...m.shape] };
  });
}

export function inputSpecs(session: ort.InferenceSession, model = 'The model'): TensorSpec[] {
  return specsOf(session.inputMetadata, model, 'input');
}

export function outputSpecs(session: ort.InferenceSession, model = 'The model'): TensorSpec[] {
  return specsOf(session.outputMetadata, model, 'output');
}

function shapeText(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

function checkDims(spec: TensorSpec, dims: readonly number[], model: string): void {
  if (spec.shape.length === 0) return;
  const fits = spec.shape.length === dims.length && spec.shape.every((d, i) => typeof d !== 'number' || d < 0 || d === dims[i]);
  if (!fits) {
    throw new UserError('model-shape-mismatch', `${model} expects input "${spec.name}" of shape ${shapeText(spec.shape)}, but R2R Studio has ${shapeText(dims)} for it.`, 'The model does not have the Stable Diffusion 1.x layout R2R Studio expects (see the model contract in the docs), or the image size does not suit it.');
  }
}

function count(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function floatTensor(spec: TensorSpec, data: Float32Array, dims: readonly number[], model: string, half?: Uint16Array): ort.Tensor {
  if (data.length !== count(dims)) throw new RangeError(`input "${spec.name}": ${data.length} values for shape ${shapeText(dims)}`);
  switch (spec.type) {
    case 'float32':
      return new ort.Tensor('float32', data, dims);
    case 'float16':
      return new ort.Tensor('float16', half && half.length === data.length ? half : float32ToFloat16(data), dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(data), dims);
    default:
      throw new UserError('model-type-mismatch', `${model} wants input "${spec.name}" as ${spec.type}, where R2R Studio has float values.`, 'Use a Stable Diffusion ONNX export whose float inputs are float32 or float16.');
  }
}

function intTensor(spec: TensorSpec, data: Int32Array | readonly number[], dims: readonly number[], model: string): ort.Tensor {
  if (data.length !== count(dims)) throw new RangeError(`input "${spec.name}": ${data.length} values for shape ${shapeText(dims)}`);
  switch (spec.type) {
    case 'int32':
      return new ort.Tensor('int32', data instanceof Int32Array ? data : Int32Array.from(data), dims);
    case 'int64': {
      const out = new BigInt64Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = BigInt(data[i]!);
      return new ort.Tensor('int64', out, dims);
    }
    default:
      throw new UserError('model-type-mismatch', `${model} wants input "${spec.name}" as ${spec.type}, where R2R Studio has integer values.`, 'Use a Stable Diffusion ONNX export whose id inputs are int32 or int64.');
  }
}

/** [] when the model takes a scalar, [1] when it fixes one value for the batch, else [batch] */
function timestepDims(spec: TensorSpec, batch: number, model: string): number[] {
  if (spec.shape.length === 0) return [];
  if (spec.shape.length === 1) {
    const d = spec.shape[0];
    if (typeof d === 'number' && d >= 0 && d !== batch) {
      if (d === 1) return [1];
      throw new UserError('model-shape-mismatch', `${model} takes exactly ${d} timesteps in "${spec.name}", but the batch has ${batch} rows.`, 'Re-export the model with a dynamic batch size.');
    }
    return [batch];
  }
  throw new UserError('model-shape-mismatch', `${model} expects input "${spec.name}" of shape ${shapeText(spec.shape)}; a timestep input should be a scalar or one value per batch row.`, 'Use a Stable Diffusion ONNX export (optimum-cli export onnx).');
}

function timestepTensor(spec: TensorSpec, value: number, batch: number, model: string): ort.Tensor {
  const dims = timestepDims(spec, batch, model);
  const n = count(dims);
  if (FLOAT_TYPES.has(spec.type)) return floatTensor(spec, new Float32Array(n).fill(value), dims, model);
  if (INT_TYPES.has(spec.type)) {
    if (!Number.isInteger(value)) throw new RangeError(`timestep ${value} is not a whole number, but "${spec.name}" is ${spec.type}`);
    return intTensor(spec, new Int32Array(n).fill(value), dims, model);
  }
  throw new UserError('model-type-mismatch', `${model} wants the timestep "${spec.name}" as ${spec.type}.`, 'Use a Stable Diffusion ONNX export whose timestep is float or int64.');
}

/**
 * Builds a session's feeds from the pipeline's values, typed and shaped as the model's
 * metadata says. Every model input must be given; names the model lacks are refused.
 */
export function typedFeeds(inputs: readonly TensorSpec[], values: Record<string, FeedValue>, model = 'The model'): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of Object.keys(values)) {
    if (!inputs.some((s) => s.name === name)) {
      throw new UserError('model-lacks-input', `${model} has no input "${name}"; its inputs are ${inputs.map((s) => s.name).join(', ')}.`, 'Use a Stable Diffusion ONNX export (optimum-cli export onnx), adapted by R2R Studio on import where TAC or embeddings need it.');
    }
  }
  for (const spec of inputs) {
    const value = values[spec.name];
    if (!value) {
      throw new UserError('model-needs-input', `${model} needs an input "${spec.name}" (${spec.type} ${shapeText(spec.shape)}) that R2R Studio does not provide.`, 'The model is not a Stable Diffusion 1.x component R2R Studio can drive; check the model folder.');
    }
    if (value.kind === 'timestep') {
      feeds[spec.name] = timestepTensor(spec, value.value, value.batch, model);
    } else {
      checkDims(spec, value.dims, model);
      feeds[spec.name] = value.kind === 'float' ? floatTensor(spec, value.data, value.dims, model, value.half) : intTensor(spec, value.data, value.dims, model);
    }
  }
  return feeds;
}

export function hasInput(inputs: readonly TensorSpec[], name: string): boolean {
  return inputs.some((s) => s.name === name);
}

/**
 * A float output as float32, whatever the model computed it in. NaN or infinity is a
 * UserError (fp16 overflow is the usual cause) unless `allowNonFinite`.
 */
export function floatOutput(
  results: ort.InferenceSession.ReturnType,
  name: string,
  model = 'The model',
  options: { allowNonFinite?: boolean } = {},
): { data: Float32Array; dims: number[] } {
  const tensor = results[name];
  if (!tensor) {
    throw new UserError('model-missing-output', `${model} gave no output "${name}"; it gave ${Object.keys(results).join(', ')}.`, 'Use a Stable Diffusion ONNX export (optimum-cli export onnx).');
  }
  let data: Float32Array;
  if (tensor.type === 'float32') data = tensor.data as Float32Array;
  else if (tensor.type === 'float16') {
    const raw = tensor.data as unknown as { buffer: ArrayBuffer; byteOffset: number; length: number };
    data = float16ToFloat32(new Uint16Array(raw.buffer, raw.byteOffset, raw.length));
  } else if (tensor.type === 'float64') data = Float32Array.from(tensor.data as Float64Array);
  else {
    throw new UserError('model-type-mismatch', `${model} gave output "${name}" as ${tensor.type}, not floats.`, 'Use a Stable Diffusion ONNX export (optimum-cli export onnx).');
  }
  if (!options.allowNonFinite) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        throw new UserError('model-non-finite', `${model} produced ${Number.isNaN(data[i]!) ? 'NaN' : 'infinite'} values in "${name}" (first at index ${i}).`, tensor.type === 'float16' ? 'The fp16 model overflowed: use an fp32 export, or another execution provider.' : 'The model or its weights are damaged, or the input is out of range; try another export or provider.');
      }
    }
  }
  return { data, dims: [...tensor.dims] };
}
