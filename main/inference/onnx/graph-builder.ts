import { float32ToFloat16 } from './float16';
import { seededRandom } from '../../common/seeded-random';
import {
  AttrType,
  DataType,
  GeneratedBytes,
  type Attribute,
  type DataTypeId,
  type Dim,
  type Graph,
  type Model,
  type Node,
  type Tensor,
  type ValueInfo,
} from './model';

export type AttrValue =
  | { kind: 'i'; v: number }
  | { kind: 'f'; v: number }
  | { kind: 's'; v: string }
  | { kind: 'ints'; v: number[] }
  | { kind: 'floats'; v: number[] }
  | { kind: 't'; v: Tensor };

/** typed attribute values: `{ axis: A.i(-1), epsilon: A.f(1e-5) }` */
export const A = {
  i: (v: number): AttrValue => ({ kind: 'i', v }),
  f: (v: number): AttrValue => ({ kind: 'f', v }),
  s: (v: string): AttrValue => ({ kind: 's', v }),
  ints: (v: number[]): AttrValue => ({ kind: 'ints', v }),
  floats: (v: number[]): AttrValue => ({ kind: 'floats', v }),
  t: (v: Tensor): AttrValue => ({ kind: 't', v }),
};

export function toAttribute(name: string, a: AttrValue): Attribute {
  switch (a.kind) {
    case 'i': return { name, type: AttrType.INT, i: a.v };
    case 'f': return { name, type: AttrType.FLOAT, f: a.v };
    case 's': return { name, type: AttrType.STRING, s: new TextEncoder().encode(a.v) };
    case 'ints': return { name, type: AttrType.INTS, ints: a.v };
    case 'floats': return { name, type: AttrType.FLOATS, floats: a.v };
    case 't': return { name, type: AttrType.TENSOR, t: a.v };
  }
}

function hashString(s: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export type WeightInit =
  | { kind: 'uniform'; std: number }
  | { kind: 'const'; value: number };

/** float32 values as the bytes of `dataType` (float32 or float16) */
export function floatBytes(values: Float32Array, dataType: DataTypeId): Uint8Array {
  if (dataType === DataType.FLOAT) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (dataType === DataType.FLOAT16) {
    return new Uint8Array(float32ToFloat16(values).buffer);
  }
  throw new Error(`floatBytes: unsupported data type ${dataType}`);
}

export function int64Bytes(values: readonly number[]): Uint8Array {
  const b = new BigInt64Array(values.map((v) => BigInt(v)));
  return new Uint8Array(b.buffer);
}

/**
 * Builds an ONNX graph with the naming of torch/optimum exports: nodes are named by module
 * path and op (`/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul`), their
 * outputs `<node>_output_0`, weights by dotted module path (`down_blocks.0.resnets.0.conv1.weight`).
 */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private path: string[] = [];
  private used = new Map<string, number>();

  constructor(
    /** float type of weights and activations (float32 or float16) */
    readonly floatType: DataTypeId,
    readonly seed: number,
  ) {}

  scope<T>(name: string, build: () => T): T {
    if (name === '') return build();
    this.path.push(name);
    try {
      return build();
    } finally {
      this.path.pop();
    }
  }

  /** dotted module path of the current scope */
  modulePath(): string {
    return this.path.join('.');
  }

  private nodeName(opType: string): string {
    const base = `/${this.path.join('/')}${this.path.length ? '/' : ''}${opType}`;
    const n = this.used.get(base) ?? 0;
    this.used.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  input(name: string, elemType: DataTypeId, shape: Dim[]): string {
    this.inputs.push({ name, elemType, shape });
    return name;
  }

  /** declares `tensor` as graph output `name` (through an Identity when the names differ) */
  output(name: string, tensor: string, elemType: DataTypeId, shape: Dim[]): void {
    if (tensor !== name) this.nodes.push({ name: `/${name}/Identity`, opType: 'Identity', domain: '', inputs: [tensor], outputs: [name], attributes: [] });
    this.outputs.push({ name, elemType, shape });
  }

  /** adds a node; returns its output names */
  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, AttrValue> = {}, domain = ''): string[] {
    const name = this.nodeName(opType);
    const outs = Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`);
    this.nodes.push({
      name,
      opType,
      domain,
      inputs,
      outputs: outs,
      attributes: Object.entries(attrs).map(([k, v]) => toAttribute(k, v)),
    });
    return outs;
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.opN(opType, inputs, 1, attrs)[0]!;
  }

  /** a seeded weight named by the current module path, stored in the model's float type */
  weight(local: string, dims: number[], init: WeightInit, dataType: DataTypeId = this.floatType): string {
    const name = this.path.length ? `${this.modulePath()}.${local}` : local;
    const count = dims.reduce((a, b) => a * b, 1);
    const seed = hashString(name, this.seed);
    const produce = () => {
      const v = new Float32Array(count);
      if (init.kind === 'const') v.fill(init.value);
      else {
        // uniform with the requested standard deviation: fast enough for 860M weights
        const rand = seededRandom(seed);
        const a = init.std * Math.sqrt(3);
        for (let i = 0; i < count; i++) v[i] = (rand() * 2 - 1) * a;
      }
      return floatBytes(v, dataType);
    };
    const byteLength = count * (dataType === DataType.FLOAT16 ? 2 : 4);
    // small tensors are made now (cheap); big ones when the model is written
    const data = byteLength <= 4096 ? produce() : new GeneratedBytes(byteLength, produce);
    this.initializers.push({ name, dataType, dims, data });
    return name;
  }

  /** a Constant node holding an int64 tensor (shapes, axes), as exports write them */
  constInts(values: number[], dims: number[] = [values.length]): string {
    return this.op('Constant', [], { value: A.t({ name: '', dataType: DataType.INT64, dims, data: int64Bytes(values) }) });
  }

  /** a Constant node holding float values in `dataType` (default: the model's float type) */
  constFloats(values: number[], dims: number[] = [], dataType: DataTypeId = this.floatType): string {
    return this.op('Constant', [], {
      value: A.t({ name: '', dataType, dims, data: floatBytes(Float32Array.from(values), dataType) }),
    });
  }

  graph(name: string): Graph {
    return { name, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs, valueInfo: [] };
  }

  model(name: string, opset = 17): Model {
    return {
      irVersion: 8,
      producerName: 'r2r-studio',
      producerVersion: '0.1.0',
      domain: '',
      modelVersion: 0,
      docString: '',
      opsetImport: [{ domain: '', version: opset }],
      metadataProps: [],
      graph: this.graph(name),
    };
  }
}
