import { A, floatBytes, GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { DataType } from '../../../main/inference/onnx/model';
import type { DataTypeId, Dim } from '../../../main/inference/onnx/model';
import { modelToBytes } from '../../../main/inference/onnx/write-model';

/** Tiny ONNX graphs for the LPIPS / KID network tests, written with the project's graph builder. */
export const FLOAT = DataType.FLOAT;
export const FLOAT16 = DataType.FLOAT16;

/** "LPIPS" = mean over C, H, W of (in0 - in1)^2: the pair contract with a distance we can check */
export function meanSquaredPairModel(height: Dim = 'H', width: Dim = 'W', inputType: DataTypeId = FLOAT): Uint8Array {
  const b = new GraphBuilder(FLOAT, 0);
  let in0 = b.input('in0', inputType, ['N', 3, height, width]);
  let in1 = b.input('in1', inputType, ['N', 3, height, width]);
  if (inputType !== FLOAT) {
    in0 = b.op('Cast', [in0], { to: A.i(FLOAT) });
    in1 = b.op('Cast', [in1], { to: A.i(FLOAT) });
  }
  const d = b.op('Sub', [in0, in1]);
  const mean = b.op('ReduceMean', [b.op('Mul', [d, d])], { axes: A.ints([1, 2, 3]), keepdims: A.i(1) });
  b.output('distance', mean, FLOAT, ['N', 1, 1, 1]);
  return modelToBytes(b.model('tiny-lpips', 13));
}

/** a pair model returning a feature map instead of a distance (breaks the LPIPS contract) */
export function pairFeatureModel(): Uint8Array {
  const b = new GraphBuilder(FLOAT, 0);
  const diff = b.op('Sub', [b.input('in0', FLOAT, [1, 3, 8, 8]), b.input('in1', FLOAT, [1, 3, 8, 8])]);
  b.output('diff', diff, FLOAT, [1, 3, 8, 8]);
  return modelToBytes(b.model('tiny-features', 13));
}

/** "Inception": channel means of the image times a fixed [3, features] matrix */
export function channelMeanFeatureModel(weights: Float32Array, features: number, batch: Dim = 'N', size: Dim = 299): Uint8Array {
  const b = new GraphBuilder(FLOAT, 0);
  b.initializers.push({ name: 'w', dataType: FLOAT, dims: [3, features], data: floatBytes(weights, FLOAT) });
  const pooled = b.op('GlobalAveragePool', [b.input('images', FLOAT, [batch, 3, size, size])]);
  const flat = b.op('Flatten', [pooled], { axis: A.i(1) });
  b.output('pool3', b.op('MatMul', [flat, 'w']), FLOAT, [batch, features]);
  return modelToBytes(b.model('tiny-inception', 13));
}
