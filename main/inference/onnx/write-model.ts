import { closeSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../../common/errors';
import type { Attribute, Graph, Model, Node, Tensor, ValueInfo } from './model';
import { ProtoWriter, fileSink } from './proto-wire';

/** protobuf's hard limit; models above it must keep weights in an external data file */
const PROTO_LIMIT = 2 ** 31 - 1;

export interface SaveOptions {
  /** 'auto' (default): external data when the model would pass 2 GB */
  externalData?: 'auto' | 'always' | 'never';
  /** tensors at least this big go to the external file (default 1024 bytes, as onnx does) */
  sizeThreshold?: number;
  /** file name of the external data beside the model (default `<model file>_data`) */
  location?: string;
  /** bytes written so far of the total (model file and external data together) */
  onProgress?: (done: number, total: number) => void;
  /** stops the save (a UserError 'cancelled'); partial files are removed */
  signal?: AbortSignal;
}

export interface SaveResult {
  modelBytes: number;
  dataBytes: number;
  dataFile: string | undefined;
}

interface ExternalPlacement {
  location: string;
  offsets: Map<Tensor, number>;
}

/** encodes a model; tensors in `external` are written as references, not bytes */
export function encodeModel(model: Model, external?: ExternalPlacement): ProtoWriter {
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  if (model.producerName) w.string(2, model.producerName);
  if (model.producerVersion) w.string(3, model.producerVersion);
  if (model.domain) w.string(4, model.domain);
  if (model.modelVersion) w.int(5, model.modelVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => writeGraph(g, model.graph, external));
  for (const op of model.opsetImport) w.message(8, (o) => o.string(1, op.domain).int(2, op.version));
  for (const p of model.metadataProps) w.message(14, (e) => e.string(1, p.key).string(2, p.value));
  for (const u of model.unknownFields ?? []) w.raw(u);
  return w;
}

function writeGraph(w: ProtoWriter, g: Graph, external?: ExternalPlacement): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n, external));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t, external));
  if (g.docString) w.string(10, g.docString);
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
  for (const v of g.valueInfo) w.message(13, (m) => writeValueInfo(m, v));
  for (const u of g.unknownFields ?? []) w.raw(u);
}

function writeNode(w: ProtoWriter, n: Node, external?: ExternalPlacement): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes) w.message(5, (m) => writeAttribute(m, a, external));
  if (n.docString) w.string(6, n.docString);
  if (n.domain) w.string(7, n.domain);
}

function writeAttribute(w: ProtoWriter, a: Attribute, external?: ExternalPlacement): void {
  w.string(1, a.name);
  if (a.f !== undefined) w.float(2, a.f);
  if (a.i !== undefined) w.int(3, a.i);
  if (a.s !== undefined) w.bytes(4, a.s);
  if (a.t !== undefined) w.message(5, (m) => writeTensor(m, a.t!, external));
  if (a.g !== undefined) w.message(6, (m) => writeGraph(m, a.g!, external));
  if (a.floats) w.packedFloats(7, a.floats);
  if (a.ints) w.packedInts(8, a.ints);
  for (const s of a.strings ?? []) w.bytes(9, s);
  for (const t of a.tensors ?? []) w.message(10, (m) => writeTensor(m, t, external));
  for (const g of a.graphs ?? []) w.message(11, (m) => writeGraph(m, g, external));
  w.int(20, a.type);
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      if (v.shape) {
        tensor.message(2, (shape) => {
          for (const d of v.shape!) {
            shape.message(1, (dim) => {
              if (typeof d === 'number') dim.int(1, d);
              else if (typeof d === 'string') dim.string(2, d);
            });
          }
        });
      }
    }),
  );
  if (v.docString) w.string(3, v.docString);
}

function writeTensor(w: ProtoWriter, t: Tensor, external?: ExternalPlacement): void {
  w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  for (const s of t.strings ?? []) w.bytes(6, s);
  w.string(8, t.name);
  const offset = external?.offsets.get(t);
  if (offset !== undefined) {
    w.message(13, (e) => e.string(1, 'location').string(2, external!.location));
    w.message(13, (e) => e.string(1, 'offset').string(2, String(offset)));
    w.message(13, (e) => e.string(1, 'length').string(2, String(t.data.byteLength)));
    w.int(14, 1);
  } else if (!t.strings) w.bytes(9, t.data);
  if (t.docString) w.string(12, t.docString);
}

/** every tensor of the graph, subgraphs and Constant values included */
function allTensors(g: Graph, out: Tensor[] = []): Tensor[] {
  out.push(...g.initializers);
  for (const n of g.nodes) {
    for (const a of n.attributes) {
      if (a.t) out.push(a.t);
      if (a.tensors) out.push(...a.tensors);
      if (a.g) allTensors(a.g, out);
      for (const g of a.graphs ?? []) allTensors(g, out);
    }
  }
  return out;
}

/**
 * Writes a model to `path`, streaming weights from wherever they are (memory, source files,
 * generators) so a 3.4 GB UNet never sits in memory. Both files are written beside their
 * final names and renamed at the end, so a model may be saved over the files it was read
 * from, and a cancelled or failed save leaves nothing behind.
 */
export function saveModel(model: Model, path: string, opts: SaveOptions = {}): SaveResult {
  const mode = opts.externalData ?? 'auto';
  const threshold = opts.sizeThreshold ?? 1024;
  const location = opts.location ?? `${basename(path)}_data`;
  let external: ExternalPlacement | undefined;
  const big = [...new Set(allTensors(model.graph))].filter((t) => !t.strings && t.data.byteLength >= threshold);
  if (mode === 'always' || (mode === 'auto' && encodeModel(model).size > PROTO_LIMIT)) {
    external = { location, offsets: new Map() };
    let offset = 0;
    for (const t of big) {
      external.offsets.set(t, offset);
      offset += t.data.byteLength;
    }
  }
  const proto = encodeModel(model, external);
  if (!external && proto.size > PROTO_LIMIT) throw new Error(`${path}: the model is over 2 GB; save it with external data`);
  const dataPath = join(dirname(path), location);
  const plannedData = external ? big.reduce((n, t) => n + t.data.byteLength, 0) : 0;
  const total = plannedData + proto.size;
  let done = 0;
  let lastReport = 0;
  const counted = (sink: (piece: Uint8Array) => void) => (piece: Uint8Array) => {
    sink(piece);
    done += piece.length;
    if (done - lastReport >= 16 << 20 || done === total) {
      lastReport = done;
      if (opts.signal?.aborted) throw new UserError('cancelled', `saving ${path} was cancelled`);
      opts.onProgress?.(done, total);
    }
  };
  const writeFile = (file: string, body: (sink: (piece: Uint8Array) => void) => void): number => {
    const fd = openSync(file, 'w');
    try {
      const out = fileSink(fd);
      body(counted(out.sink));
      out.flush();
      return out.written();
    } finally {
      closeSync(fd);
    }
  };
  let dataBytes = 0;
  try {
    if (external) {
      dataBytes = writeFile(dataPath + '.partial', (sink) => {
        for (const t of big) {
          if (t.data instanceof Uint8Array) sink(t.data);
          else t.data.writeTo(sink);
        }
      });
      if (dataBytes !== plannedData) throw new Error(`${dataPath}: wrote ${dataBytes} bytes of weights, expected ${plannedData}`);
    }
    writeFile(path + '.partial', (sink) => proto.writeTo(sink));
  } catch (err) {
    rmSync(path + '.partial', { force: true });
    rmSync(dataPath + '.partial', { force: true });
    throw err;
  }
  renameSync(path + '.partial', path);
  if (external) renameSync(dataPath + '.partial', dataPath);
  else rmSync(dataPath, { force: true });
  return { modelBytes: proto.size, dataBytes, dataFile: external ? dataPath : undefined };
}

/** the model as one in-memory protobuf (small models; hand it to an InferenceSession) */
export function modelToBytes(model: Model): Uint8Array {
  return encodeModel(model).finish();
}
