import { ProtoWriter } from '../../../main/inference/onnx/proto-wire';

/**
 * Minimal ONNX graphs for runtime tests, written with the protobuf wire writer the way
 * probe-model.ts does (the full builder lives in the onnx room). Field numbers: onnx.proto.
 */
export const ELEM = { float32: 1, int32: 6, int64: 7, float16: 10, float64: 11 } as const;
type Elem = keyof typeof ELEM;
type Dim = number | string;

/** name, element type, shape (null: no shape at all) */
export type Value = [string, Elem, Dim[] | null];
/** op type, inputs, outputs, integer attributes */
export type Node = [string, string[], string[], Record<string, number>?];

function valueInfo([name, elem, shape]: Value) {
  return (v: ProtoWriter) =>
    v.string(1, name).message(2, (type) =>
      type.message(1, (tensor) => {
        tensor.int(1, ELEM[elem]);
        if (shape) tensor.message(2, (s) => shape.forEach((d) => s.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)))));
      }),
    );
}

export function tinyModel(inputs: Value[], outputs: Value[], nodes: Node[]): Uint8Array {
  return new ProtoWriter()
    .int(1, 8)
    .string(2, 'r2r-studio-tests')
    .message(8, (op) => op.string(1, '').int(2, 17))
    .message(7, (graph) => {
      nodes.forEach(([op, ins, outs, attrs], i) =>
        graph.message(1, (n) => {
          ins.forEach((x) => n.string(1, x));
          outs.forEach((x) => n.string(2, x));
          n.string(3, `node${i}`).string(4, op);
          // AttributeProto: name 1, i 3, type 20 (INT = 2)
          for (const [name, value] of Object.entries(attrs ?? {})) n.message(5, (a) => a.string(1, name).int(3, value).int(20, 2));
        }),
      );
      graph.string(2, 'tiny');
      inputs.forEach((x) => graph.message(11, valueInfo(x)));
      outputs.forEach((x) => graph.message(12, valueInfo(x)));
    })
    .finish();
}

/**
 * A UNet-shaped stand-in: out_sample = sample + sample, t_out = float(timestep),
 * text_out = encoder_hidden_states; dtypes and timestep form chosen by the test.
 */
export function tinyUnet(opts: { float: 'float32' | 'float16'; timestep: Value }): Uint8Array {
  const f = opts.float;
  return tinyModel(
    [['sample', f, ['batch', 4, 'height', 'width']], opts.timestep, ['encoder_hidden_states', f, ['batch', 77, 8]]],
    [['out_sample', f, ['batch', 4, 'height', 'width']], ['t_out', 'float32', null], ['text_out', f, ['batch', 77, 8]]],
    [
      ['Add', ['sample', 'sample'], ['out_sample']],
      ['Cast', [opts.timestep[0]], ['t_out'], { to: ELEM.float32 }],
      ['Identity', ['encoder_hidden_states'], ['text_out']],
    ],
  );
}

/** a text-encoder-shaped stand-in: ids_out = float(input_ids) */
export function tinyTextEncoder(ids: 'int32' | 'int64'): Uint8Array {
  return tinyModel([['input_ids', ids, ['batch', 77]]], [['ids_out', 'float32', ['batch', 77]]], [['Cast', ['input_ids'], ['ids_out'], { to: ELEM.float32 }]]);
}
