import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UserError } from '../../common/errors';
import {
  FileRange,
  elemSize,
  type Attribute,
  type Dim,
  type Graph,
  type Model,
  type Node,
  type Tensor,
  type ValueInfo,
} from './model';
import { BufferSource, FileSource, ProtoFormatError, ProtoReader, WIRE_LEN, type ByteSource } from './proto-wire';

/** inline raw_data above this size stays in the file as a reference */
const INLINE_LIMIT = 64 * 1024;

interface ReadContext {
  src: ByteSource;
  /** folder that external data locations are relative to */
  baseDir: string | undefined;
  /** file sizes of external data files, checked once each */
  dataSizes: Map<string, number>;
  what: string;
}

/**
 * Reads an ONNX model's structure through a file descriptor: nodes, inputs, outputs and
 * small tensors are parsed; big weights (inline or in external data files) stay as
 * (file, offset, length) references and are only read when written or asked for.
 */
export function readModel(path: string): Model {
  if (!existsSync(path)) throw new UserError('model-missing', `${path} does not exist`, 'Check the model folder.');
  if (statSync(path).isDirectory()) throw new UserError('bad-model', `${path} is a folder, not an ONNX file`, 'Point at the model.onnx file inside it.');
  const src = new FileSource(path);
  try {
    return parseModel({ src, baseDir: dirname(resolve(path)), dataSizes: new Map(), what: path });
  } finally {
    src.close();
  }
}

/** parses a model held in memory (tensors share its bytes); external data is resolved against `baseDir` */
export function readModelBytes(bytes: Uint8Array, baseDir?: string): Model {
  return parseModel({ src: new BufferSource(bytes), baseDir, dataSizes: new Map(), what: 'the model bytes' });
}

function parseModel(ctx: ReadContext): Model {
  if (ctx.src.size === 0) throw new UserError('bad-model', `${ctx.what} is empty`, 'Export or copy the model again.');
  try {
    const model = readModelProto(new ProtoReader(ctx.src), ctx);
    if (!model.graph || model.irVersion === 0) throw new ProtoFormatError('no graph or IR version');
    return model;
  } catch (err) {
    if (err instanceof ProtoFormatError || err instanceof RangeError) {
      throw new UserError(
        'bad-model',
        `${ctx.what} is truncated or not an ONNX model (${err.message})`,
        'Copy or export the model again; a partial download or copy leaves a file like this.',
        { cause: err },
      );
    }
    throw err;
  }
}

function readModelProto(r: ProtoReader, ctx: ReadContext): Model {
  const m: Model = {
    irVersion: 0,
    producerName: '',
    producerVersion: '',
    domain: '',
    modelVersion: 0,
    docString: '',
    opsetImport: [],
    metadataProps: [],
    graph: undefined as unknown as Graph,
    unknownFields: [],
  };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    switch (field) {
      case 1: m.irVersion = r.int(); break;
      case 2: m.producerName = r.string(); break;
      case 3: m.producerVersion = r.string(); break;
      case 4: m.domain = r.string(); break;
      case 5: m.modelVersion = r.int(); break;
      case 6: m.docString = r.string(); break;
      case 7: m.graph = readGraph(r.sub(), ctx); break;
      case 8: {
        const s = r.sub();
        const op = { domain: '', version: 0 };
        while (!s.done()) {
          const t = s.tag();
          if (t.field === 1) op.domain = s.string();
          else if (t.field === 2) op.version = s.int();
          else s.skip(t.wire);
        }
        m.opsetImport.push(op);
        break;
      }
      case 14: m.metadataProps.push(readEntry(r.sub())); break;
      default: m.unknownFields!.push(r.skipRaw(start, wire));
    }
  }
  return m;
}

function readEntry(r: ProtoReader): { key: string; value: string } {
  const e = { key: '', value: '' };
  while (!r.done()) {
    const t = r.tag();
    if (t.field === 1) e.key = r.string();
    else if (t.field === 2) e.value = r.string();
    else r.skip(t.wire);
  }
  return e;
}

function readGraph(r: ProtoReader, ctx: ReadContext): Graph {
  const g: Graph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [], unknownFields: [] };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    switch (field) {
      case 1: g.nodes.push(readNode(r.sub(), ctx)); break;
      case 2: g.name = r.string(); break;
      case 5: g.initializers.push(readTensor(r.sub(), ctx)); break;
      case 10: g.docString = r.string(); break;
      case 11: g.inputs.push(readValueInfo(r.sub())); break;
      case 12: g.outputs.push(readValueInfo(r.sub())); break;
      case 13: g.valueInfo.push(readValueInfo(r.sub())); break;
      default: g.unknownFields!.push(r.skipRaw(start, wire));
    }
  }
  return g;
}

function readNode(r: ProtoReader, ctx: ReadContext): Node {
  const n: Node = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  while (!r.done()) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1: n.inputs.push(r.string()); break;
      case 2: n.outputs.push(r.string()); break;
      case 3: n.name = r.string(); break;
      case 4: n.opType = r.string(); break;
      case 5: n.attributes.push(readAttribute(r.sub(), ctx)); break;
      case 6: n.docString = r.string(); break;
      case 7: n.domain = r.string(); break;
      default: r.skip(wire);
    }
  }
  return n;
}

function readAttribute(r: ProtoReader, ctx: ReadContext): Attribute {
  const a: Attribute = { name: '', type: 0 };
  while (!r.done()) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1: a.name = r.string(); break;
      case 2: a.f = r.float(); break;
      case 3: a.i = r.int(); break;
      case 4: a.s = r.bytes().slice(); break;
      case 5: a.t = readTensor(r.sub(), ctx); break;
      case 6: a.g = readGraph(r.sub(), ctx); break;
      case 7: r.floats(wire, (a.floats ??= [])); break;
      case 8: r.ints(wire, (a.ints ??= [])); break;
      case 9: (a.strings ??= []).push(r.bytes().slice()); break;
      case 10: (a.tensors ??= []).push(readTensor(r.sub(), ctx)); break;
      case 11: (a.graphs ??= []).push(readGraph(r.sub(), ctx)); break;
      case 20: a.type = r.int(); break;
      default: r.skip(wire);
    }
  }
  return a;
}

function readValueInfo(r: ProtoReader): ValueInfo {
  const v: ValueInfo = { name: '', elemType: 0, shape: undefined };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) v.name = r.string();
    else if (field === 3) v.docString = r.string();
    else if (field === 2) {
      const type = r.sub();
      while (!type.done()) {
        const t = type.tag();
        if (t.field !== 1) {
          type.skip(t.wire);
          continue;
        }
        const tensor = type.sub();
        while (!tensor.done()) {
          const tt = tensor.tag();
          if (tt.field === 1) v.elemType = tensor.int();
          else if (tt.field === 2) v.shape = readShape(tensor.sub());
          else tensor.skip(tt.wire);
        }
      }
    } else r.skip(wire);
  }
  return v;
}

function readShape(r: ProtoReader): Dim[] {
  const dims: Dim[] = [];
  while (!r.done()) {
    const t = r.tag();
    if (t.field !== 1) {
      r.skip(t.wire);
      continue;
    }
    const d = r.sub();
    let dim: Dim;
    while (!d.done()) {
      const dt = d.tag();
      if (dt.field === 1) dim = d.int();
      else if (dt.field === 2) dim = d.string();
      else d.skip(dt.wire);
    }
    dims.push(dim);
  }
  return dims;
}

function readTensor(r: ProtoReader, ctx: ReadContext): Tensor {
  const t: Tensor = { name: '', dataType: 0, dims: [], data: new Uint8Array(0) };
  let raw: { offset: number; length: number } | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const doubles: number[] = [];
  let intField = 0;
  const external: Record<string, string> = {};
  let location = 0;
  while (!r.done()) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1: r.ints(wire, t.dims); break;
      case 2: t.dataType = r.int(); break;
      case 4: r.floats(wire, floats); break;
      case 5: case 7: case 11: intField = field; r.ints(wire, ints); break;
      case 6: (t.strings ??= []).push(r.bytes().slice()); break;
      case 8: t.name = r.string(); break;
      case 9: raw = r.range(); break;
      case 10: {
        if (wire === WIRE_LEN) {
          const s = r.sub();
          while (!s.done()) doubles.push(new DataView(s.fixed(8).slice().buffer).getFloat64(0, true));
        } else doubles.push(new DataView(r.fixed(8).slice().buffer).getFloat64(0, true));
        break;
      }
      case 12: t.docString = r.string(); break;
      case 13: { const e = readEntry(r.sub()); external[e.key] = e.value; break; }
      case 14: location = r.int(); break;
      default: r.skip(wire);
    }
  }
  if (location === 1) t.data = externalRange(t, external, ctx);
  else if (raw) {
    t.data =
      raw.length > INLINE_LIMIT && ctx.src.path
        ? new FileRange(ctx.src.path, raw.offset, raw.length)
        : ctx.src.read(raw.offset, raw.length);
  } else if (t.dataType !== 8) t.data = typedFieldsToRaw(t, floats, ints, doubles, intField);
  return t;
}

function externalRange(t: Tensor, entries: Record<string, string>, ctx: ReadContext): FileRange {
  const location = entries.location;
  if (!location || !ctx.baseDir) {
    throw new UserError('bad-model', `${ctx.what}: tensor ${t.name} keeps its data in an external file without a usable location`);
  }
  // the weights of a model live beside it: a location leaving its folder is not followed
  const path = join(ctx.baseDir, location);
  const inside = relative(ctx.baseDir, path);
  if (isAbsolute(location) || inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw new UserError('bad-model', `${ctx.what}: tensor ${t.name} keeps its data at '${location}', outside the model's folder`, 'External data files must sit in the folder of the .onnx file.');
  }
  let size = ctx.dataSizes.get(path);
  if (size === undefined) {
    if (!existsSync(path)) {
      throw new UserError(
        'external-data-missing',
        `${path} is missing: ${ctx.what} keeps its weights there`,
        'Copy the .onnx_data file that belongs beside model.onnx into the same folder.',
      );
    }
    size = statSync(path).size;
    ctx.dataSizes.set(path, size);
  }
  const offset = Number(entries.offset ?? 0);
  const length = entries.length !== undefined ? Number(entries.length) : elementCount(t) * fixedSize(t);
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new ProtoFormatError(`tensor ${t.name}: external data offset '${entries.offset}' or length '${entries.length}' is not a byte count`);
  }
  if (offset + length > size) {
    throw new UserError(
      'external-data-truncated',
      `${path} is truncated: tensor ${t.name} needs bytes ${offset}..${offset + length} but the file has ${size}`,
      'Copy the external data file again; it is incomplete.',
    );
  }
  return new FileRange(path, offset, length);
}

/** the number of elements the dims describe; bad dims are a format error */
function elementCount(t: Tensor): number {
  let count = 1;
  for (const d of t.dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ProtoFormatError(`tensor ${t.name} has the dimension ${d}`);
    count *= d;
  }
  if (!Number.isSafeInteger(count)) throw new ProtoFormatError(`tensor ${t.name} has dims [${t.dims.join(', ')}], more elements than can exist`);
  return count;
}

function fixedSize(t: Tensor): number {
  try {
    return elemSize(t.dataType);
  } catch {
    throw new ProtoFormatError(`tensor ${t.name} has data type ${t.dataType}, which has no fixed element size`);
  }
}

/** float_data / int32_data / int64_data / double_data as little-endian raw bytes */
function typedFieldsToRaw(t: Tensor, floats: number[], ints: number[], doubles: number[], intField: number): Uint8Array {
  const count = elementCount(t);
  const size = fixedSize(t);
  // the values were parsed from the file, so checking against them bounds the allocation
  const given = t.dataType === 1 ? floats.length : t.dataType === 11 ? doubles.length : ints.length;
  if (count > given) throw new ProtoFormatError(`tensor ${t.name} has dims [${t.dims.join(', ')}] but holds ${given} values`);
  const out = new Uint8Array(count * size);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    switch (t.dataType) {
      case 1: dv.setFloat32(i * 4, floats[i] ?? 0, true); break;
      case 11: dv.setFloat64(i * 8, doubles[i] ?? 0, true); break;
      case 7: case 13: dv.setBigInt64(i * 8, BigInt(ints[i] ?? 0), true); break;
      case 6: case 12: dv.setInt32(i * 4, ints[i] ?? 0, true); break;
      // int32_data holds 16- and 8-bit values and float16 bit patterns too
      case 4: case 5: case 10: case 16: dv.setUint16(i * 2, (ints[i] ?? 0) & 0xffff, true); break;
      case 2: case 3: case 9: dv.setUint8(i, (ints[i] ?? 0) & 0xff); break;
      default: throw new ProtoFormatError(`tensor ${t.name}: data type ${t.dataType} in typed fields (${intField})`);
    }
  }
  return out;
}
