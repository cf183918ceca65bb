import { closeSync, openSync, readSync } from 'node:fs';
import { float16ToFloat32 } from './float16';
import type { DeferredBytes } from './proto-wire';

/** TensorProto.DataType values used by Stable Diffusion graphs */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;
export type DataTypeId = number;

const ELEM_SIZE: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };
const DTYPE_NAME: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

export function elemSize(dataType: DataTypeId): number {
  const s = ELEM_SIZE[dataType];
  if (s === undefined) throw new Error(`no fixed element size for ONNX data type ${dataType}`);
  return s;
}

/** the name onnxruntime uses for a data type (`float32`, `int64`, ...) */
export function dataTypeName(dataType: DataTypeId): string {
  return DTYPE_NAME[dataType] ?? `type${dataType}`;
}

/** a byte range of a file, read only when needed (external data, big inline weights) */
export class FileRange implements DeferredBytes {
  constructor(
    readonly path: string,
    readonly offset: number,
    readonly byteLength: number,
  ) {}

  read(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    const fd = openSync(this.path, 'r');
    try {
      let got = 0;
      while (got < this.byteLength) {
        const n = readSync(fd, out, got, this.byteLength - got, this.offset + got);
        if (n === 0) throw new Error(`${this.path} ends before byte ${this.offset + this.byteLength}`);
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  writeTo(sink: (piece: Uint8Array) => void): void {
    const fd = openSync(this.path, 'r');
    try {
      const piece = new Uint8Array(Math.min(this.byteLength, 4 << 20));
      let done = 0;
      while (done < this.byteLength) {
        const want = Math.min(piece.length, this.byteLength - done);
        const n = readSync(fd, piece, 0, want, this.offset + done);
        if (n === 0) throw new Error(`${this.path} ends before byte ${this.offset + this.byteLength}`);
        sink(n === piece.length ? piece : piece.subarray(0, n));
        done += n;
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** weights produced on demand when written (seeded random weights of big demo models) */
export class GeneratedBytes implements DeferredBytes {
  constructor(
    readonly byteLength: number,
    private readonly produce: () => Uint8Array,
  ) {}

  read(): Uint8Array {
    const b = this.produce();
    if (b.byteLength !== this.byteLength) throw new Error(`generated ${b.byteLength} bytes, expected ${this.byteLength}`);
    return b;
  }

  writeTo(sink: (piece: Uint8Array) => void): void {
    sink(this.read());
  }
}

export type TensorBytes = Uint8Array | FileRange | GeneratedBytes;

export interface Tensor {
  name: string;
  dataType: DataTypeId;
  dims: number[];
  /** little-endian element bytes (raw_data); deferred for big weights */
  data: TensorBytes;
  /** string tensors only */
  strings?: Uint8Array[];
  docString?: string;
}

export type Dim = number | string | undefined;

export interface ValueInfo {
  name: string;
  elemType: DataTypeId;
  /** undefined: rank unknown */
  shape: Dim[] | undefined;
  docString?: string;
}

export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface Attribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: Tensor;
  g?: Graph;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: Tensor[];
  graphs?: Graph[];
}

export interface Node {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Attribute[];
  docString?: string;
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
  docString?: string;
  /** encoded fields this toolkit does not model (kept through a round trip) */
  unknownFields?: Uint8Array[];
}

export interface OpsetId {
  domain: string;
  version: number;
}

export interface Model {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  opsetImport: OpsetId[];
  metadataProps: { key: string; value: string }[];
  graph: Graph;
  unknownFields?: Uint8Array[];
}

export function tensorByteLength(t: Pick<Tensor, 'dataType' | 'dims'>): number {
  return t.dims.reduce((a, b) => a * b, 1) * elemSize(t.dataType);
}

/** the tensor's bytes in memory (reads deferred data) */
export function tensorBytes(t: Tensor): Uint8Array {
  return t.data instanceof Uint8Array ? t.data : t.data.read();
}

function aligned(bytes: Uint8Array, align: number): ArrayBuffer {
  if (bytes.byteOffset % align === 0) return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer as ArrayBuffer;
}

/** float32 or float16 tensor contents as float32 */
export function tensorFloats(t: Tensor): Float32Array {
  const b = tensorBytes(t);
  if (t.dataType === DataType.FLOAT) return new Float32Array(aligned(b, 4), b.byteOffset % 4 === 0 ? b.byteOffset : 0, b.byteLength / 4);
  if (t.dataType === DataType.FLOAT16) {
    return float16ToFloat32(new Uint16Array(aligned(b, 2), b.byteOffset % 2 === 0 ? b.byteOffset : 0, b.byteLength / 2));
  }
  throw new Error(`tensor ${t.name} is ${dataTypeName(t.dataType)}, not a float tensor`);
}

/** int64 or int32 tensor contents as numbers */
export function tensorInts(t: Tensor): number[] {
  const b = tensorBytes(t);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  if (t.dataType === DataType.INT64) for (let i = 0; i < b.byteLength; i += 8) out.push(Number(dv.getBigInt64(i, true)));
  else if (t.dataType === DataType.INT32) for (let i = 0; i < b.byteLength; i += 4) out.push(dv.getInt32(i, true));
  else throw new Error(`tensor ${t.name} is ${dataTypeName(t.dataType)}, not an integer tensor`);
  return out;
}

function cloneGraph(g: Graph): Graph {
  return {
    ...g,
    nodes: g.nodes.map((n) => ({
      ...n,
      inputs: [...n.inputs],
      outputs: [...n.outputs],
      attributes: n.attributes.map((a) => ({ ...a, g: a.g ? cloneGraph(a.g) : undefined, graphs: a.graphs?.map(cloneGraph) })),
    })),
    initializers: [...g.initializers],
    inputs: g.inputs.map((v) => ({ ...v, shape: v.shape ? [...v.shape] : undefined })),
    outputs: g.outputs.map((v) => ({ ...v, shape: v.shape ? [...v.shape] : undefined })),
    valueInfo: [...g.valueInfo],
    unknownFields: g.unknownFields ? [...g.unknownFields] : undefined,
  };
}

/** a copy whose structure can be changed freely; tensor bytes are shared (never mutated) */
export function cloneModel(m: Model): Model {
  return {
    ...m,
    opsetImport: m.opsetImport.map((o) => ({ ...o })),
    metadataProps: m.metadataProps.map((p) => ({ ...p })),
    graph: cloneGraph(m.graph),
    unknownFields: m.unknownFields ? [...m.unknownFields] : undefined,
  };
}

