import { ProtoWriter } from '../onnx/proto-wire';

const FLOAT = 1;

/**
 * The smallest useful ONNX model, `y = x + x` on a float[4]: loading it on an execution
 * provider and running it once tells whether that provider really starts on this machine.
 * Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, ValueInfoProto).
 */
export function probeModelBytes(): Uint8Array {
  const valueInfo = (name: string) => (v: ProtoWriter) =>
    v.string(1, name).message(2, (type) =>
      type.message(1, (tensor) =>
        tensor.int(1, FLOAT).message(2, (shape) => shape.message(1, (dim) => dim.int(1, 4))),
      ),
    );
  return new ProtoWriter()
    .int(1, 8) // ir_version
    .string(2, 'r2r-studio')
    .message(8, (op) => op.string(1, '').int(2, 17))
    .message(7, (graph) =>
      graph
        .message(1, (node) => node.string(1, 'x').string(1, 'x').string(2, 'y').string(3, 'add').string(4, 'Add'))
        .string(2, 'probe')
        .message(11, valueInfo('x'))
        .message(12, valueInfo('y')),
    )
    .finish();
}
