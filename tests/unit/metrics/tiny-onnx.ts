import { ProtoWriter } from '../../../main/inference/onnx/proto-wire';

/**
 * Tiny ONNX graphs for the LPIPS / KID network tests, written with the project's protobuf
 * writer (field numbers of onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto).
 */
export const FLOAT = 1;
export const FLOAT16 = 10;

type Dim = number | string;

export interface ValueSpec {
  name: string;
  type?: number;
  shape: Dim[];
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number[]>;
  int?: Record<string, number>;
}

export interface InitSpec {
  name: string;
  dims: number[];
  values: Float32Array;
}

function valueInfo(spec: ValueSpec) {
  return (v: ProtoWriter) =>
    v.string(1, spec.name).message(2, (type) =>
      type.message(1, (tensor) =>
        tensor.int(1, spec.type ?? FLOAT).message(2, (shape) => {
          for (const d of spec.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }),
      ),
    );
}

export function buildModel(graph: { inputs: ValueSpec[]; outputs: ValueSpec[]; nodes: NodeSpec[]; initializers?: InitSpec[] }): Uint8Array {
  return new ProtoWriter()
    .int(1, 8)
    .string(2, 'r2r-studio-tests')
    .message(8, (op) => op.string(1, '').int(2, 13))
    .message(7, (g) => {
      graph.nodes.forEach((n, i) =>
        g.message(1, (node) => {
          for (const x of n.inputs) node.string(1, x);
          for (const y of n.outputs) node.string(2, y);
          node.string(3, `n${i}`).string(4, n.op);
          for (const [name, values] of Object.entries(n.ints ?? {})) {
            node.message(5, (a) => {
              a.string(1, name).int(20, 7);
              for (const v of values) a.int(8, v);
            });
          }
          for (const [name, value] of Object.entries(n.int ?? {})) node.message(5, (a) => a.string(1, name).int(20, 2).int(3, value));
        }),
      );
      g.string(2, 'tiny');
      for (const t of graph.initializers ?? []) {
        g.message(5, (tensor) => {
          for (const d of t.dims) tensor.int(1, d);
          tensor.int(2, FLOAT).string(8, t.name).bytes(9, new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength));
        });
      }
      for (const i of graph.inputs) g.message(11, valueInfo(i));
      for (const o of graph.outputs) g.message(12, valueInfo(o));
    })
    .finish();
}

/** "LPIPS" = mean over C, H, W of (in0 - in1)^2: the pair contract with a distance we can check */
export function meanSquaredPairModel(height: Dim = 'H', width: Dim = 'W', inputType = FLOAT): Uint8Array {
  const cast = inputType !== FLOAT;
  return buildModel({
    inputs: [
      { name: 'in0', type: inputType, shape: ['N', 3, height, width] },
      { name: 'in1', type: inputType, shape: ['N', 3, height, width] },
    ],
    outputs: [{ name: 'distance', shape: ['N', 1, 1, 1] }],
    nodes: [
      ...(cast
        ? [
            { op: 'Cast', inputs: ['in0'], outputs: ['a'], int: { to: FLOAT } },
            { op: 'Cast', inputs: ['in1'], outputs: ['b'], int: { to: FLOAT } },
          ]
        : []),
      { op: 'Sub', inputs: cast ? ['a', 'b'] : ['in0', 'in1'], outputs: ['d'] },
      { op: 'Mul', inputs: ['d', 'd'], outputs: ['sq'] },
      { op: 'ReduceMean', inputs: ['sq'], outputs: ['distance'], ints: { axes: [1, 2, 3] }, int: { keepdims: 1 } },
    ],
  });
}

/** a pair model returning a feature map instead of a distance (breaks the LPIPS contract) */
export function pairFeatureModel(): Uint8Array {
  return buildModel({
    inputs: [
      { name: 'in0', shape: [1, 3, 8, 8] },
      { name: 'in1', shape: [1, 3, 8, 8] },
    ],
    outputs: [{ name: 'diff', shape: [1, 3, 8, 8] }],
    nodes: [{ op: 'Sub', inputs: ['in0', 'in1'], outputs: ['diff'] }],
  });
}

/** "Inception": channel means of the image times a fixed [3, features] matrix */
export function channelMeanFeatureModel(weights: Float32Array, features: number, batch: Dim = 'N', size: Dim = 299): Uint8Array {
  return buildModel({
    inputs: [{ name: 'images', shape: [batch, 3, size, size] }],
    outputs: [{ name: 'pool3', shape: [batch, features] }],
    initializers: [{ name: 'w', dims: [3, features], values: weights }],
    nodes: [
      { op: 'GlobalAveragePool', inputs: ['images'], outputs: ['pooled'] },
      { op: 'Flatten', inputs: ['pooled'], outputs: ['flat'], int: { axis: 1 } },
      { op: 'MatMul', inputs: ['flat', 'w'], outputs: ['pool3'] },
    ],
  });
}
