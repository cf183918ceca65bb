import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../../common/errors';
import { bfloat16BitsToFloat, halfBitsToFloat } from '../onnx/float16';

export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  /** byte range in the file */
  offset: number;
  length: number;
}

export interface SafetensorsFile {
  path: string;
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

const DTYPE_SIZE: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function readExact(fd: number, length: number, position: number, path: string): Uint8Array {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, out, got, length - got, position + got);
    if (n === 0) throw new UserError('bad-safetensors', `${path} is truncated (ends before byte ${position + length})`, 'Download or copy the file again.');
    got += n;
  }
  return out;
}

/**
 * Reads a .safetensors header: an 8-byte little-endian header length, a JSON header
 * ({name: {dtype, shape, data_offsets: [begin, end]}, __metadata__}), then raw data.
 * Only the header is read here; tensors are read on demand.
 */
export function openSafetensors(path: string): SafetensorsFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const bad = (why: string) => new UserError('bad-safetensors', `${path} is not a valid .safetensors file: ${why}`, 'Check that the file is a complete safetensors download.');
    if (size < 8) throw bad(`only ${size} bytes`);
    const headerLength = Number(new DataView(readExact(fd, 8, 0, path).buffer).getBigUint64(0, true));
    if (headerLength > size - 8 || headerLength > 100 * 2 ** 20) throw bad(`header length ${headerLength} does not fit a ${size}-byte file`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(readExact(fd, headerLength, 8, path)));
    } catch (err) {
      throw bad(`the header is not JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('the header is not a JSON object');
    const header = parsed as Record<string, unknown>;
    const dataStart = 8 + headerLength;
    const tensors = new Map<string, SafetensorsEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, v] of Object.entries(header)) {
      if (name === '__metadata__') {
        const valid = v === null || (typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'));
        if (!valid) throw bad('__metadata__ must map names to strings');
        metadata = (v ?? {}) as Record<string, string>;
        continue;
      }
      const e = (v ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const elem = typeof e.dtype === 'string' && Object.hasOwn(DTYPE_SIZE, e.dtype) ? DTYPE_SIZE[e.dtype] : undefined;
      const shapeOk = Array.isArray(e.shape) && e.shape.every(isCount);
      const offsetsOk = Array.isArray(e.data_offsets) && e.data_offsets.length === 2 && e.data_offsets.every(isCount) && e.data_offsets[0] <= e.data_offsets[1];
      if (!elem || !shapeOk || !offsetsOk) throw bad(`tensor '${name}' has no valid dtype, shape and data_offsets`);
      const shape = e.shape as number[];
      const [begin, end] = e.data_offsets as [number, number];
      const count = shape.reduce((a, b) => a * b, 1);
      if (end - begin !== count * elem) throw bad(`tensor '${name}' (${e.dtype} ${JSON.stringify(e.shape)}) has ${end - begin} bytes, expected ${count * elem}`);
      if (dataStart + end > size) {
        throw new UserError('bad-safetensors', `${path} is truncated: tensor '${name}' needs bytes up to ${dataStart + end}, the file has ${size}`, 'Download or copy the file again.');
      }
      tensors.set(name, { dtype: e.dtype as string, shape, offset: dataStart + begin, length: end - begin });
    }
    return { path, tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

/** a float tensor (F32, F16, BF16, F64) of the file as float32 */
export function readSafetensorsFloats(file: SafetensorsFile, name: string): Float32Array {
  const e = file.tensors.get(name);
  if (!e) throw new UserError('bad-safetensors', `${file.path} has no tensor '${name}'`);
  const fd = openSync(file.path, 'r');
  let bytes: Uint8Array;
  try {
    bytes = readExact(fd, e.length, e.offset, file.path);
  } finally {
    closeSync(fd);
  }
  return decodeFloats(bytes, e.dtype, `${file.path}: tensor '${name}'`);
}

/** little-endian F32/F16/BF16/F64 bytes as float32 */
export function decodeFloats(bytes: Uint8Array, dtype: string, what: string): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = dtype === 'F64' ? 8 : dtype === 'F32' ? 4 : 2;
  const out = new Float32Array(Math.floor(bytes.length / size));
  switch (dtype) {
    case 'F32': for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true); break;
    case 'F16': for (let i = 0; i < out.length; i++) out[i] = halfBitsToFloat(dv.getUint16(i * 2, true)); break;
    case 'BF16': for (let i = 0; i < out.length; i++) out[i] = bfloat16BitsToFloat(dv.getUint16(i * 2, true)); break;
    case 'F64': for (let i = 0; i < out.length; i++) out[i] = dv.getFloat64(i * 8, true); break;
    default: throw new UserError('bad-embedding', `${what} is ${dtype}, not a float tensor`);
  }
  return out;
}
