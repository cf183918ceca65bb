import { unzipSync } from 'fflate';
import { UserError } from '../../common/errors';
import { decodeFloats } from './safetensors';

/**
 * The subset of torch.save's zip format that textual-inversion files use: `<name>/data.pkl`
 * (a pickle of dicts, strings, numbers and tensors) and `<name>/data/<key>` storages.
 * The unpickler only builds plain data and tensors; it never runs code from the file.
 */

export interface TorchTensor {
  kind: 'tensor';
  dtype: string;
  shape: number[];
  /** float32 values in row-major order */
  values: Float32Array;
}

interface StorageRef {
  kind: 'storage';
  key: string;
  dtype: string;
}

interface Global {
  kind: 'global';
  name: string;
}

const STORAGE_DTYPE: Record<string, string> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
};

class PickleError extends Error {}

/** what a textual-inversion torch file may unpack to: far more than any embedding needs */
export const MAX_TORCH_UNPACKED_BYTES = 256 * 2 ** 20;

/** a torch file holds a pickle and a few storages; a directory claiming more entries is not one */
const MAX_ZIP_ENTRIES = 10_000;

const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function asMap(v: unknown, op: string): Map<unknown, unknown> {
  if (!(v instanceof Map)) throw new PickleError(`${op} on something that is not a dict`);
  return v;
}

function asList(v: unknown, op: string): unknown[] {
  if (!Array.isArray(v)) throw new PickleError(`${op} on something that is not a list`);
  return v;
}

const MARK = Symbol('mark');
// one decoder for every string: constructing one costs more than decoding a short name
const UTF8 = new TextDecoder();

function unpickle(data: Uint8Array, storage: (ref: StorageRef) => Uint8Array): unknown {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const text = (n: number) => {
    const s = UTF8.decode(data.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const byte = () => {
    if (pos >= data.length) throw new PickleError('pickle ends inside an opcode');
    return data[pos++]!;
  };
  const line = () => {
    const end = data.indexOf(10, pos);
    if (end < 0) throw new PickleError('pickle ends inside a GLOBAL name');
    const s = UTF8.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw new PickleError('no mark on the stack');
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const top = () => stack[stack.length - 1];
  const loadTensor = (args: unknown[]): TorchTensor => {
    const [ref, offset, size, stride] = asList(args, 'a tensor') as [StorageRef, unknown, unknown, unknown];
    if ((ref as StorageRef | undefined)?.kind !== 'storage') throw new PickleError('tensor without storage');
    if (!isIndex(offset) || !Array.isArray(size) || !size.every(isIndex) || !Array.isArray(stride) || stride.length !== size.length || !stride.every(isIndex)) {
      throw new PickleError('tensor with an invalid offset, size or stride');
    }
    const bytes = storage(ref);
    const all = decodeFloats(bytes, ref.dtype, ref.key);
    const count = size.reduce((a, b) => a * b, 1);
    // the last element the strides reach must lie inside the storage, checked before allocating
    const last = offset + size.reduce((sum, n, d) => sum + (n - 1) * stride[d]!, 0);
    if (count > 0 && last >= all.length) throw new PickleError(`tensor of size [${size.join(', ')}] reaches past its storage of ${all.length} values`);
    const values = new Float32Array(count);
    // gather through the strides (views and transposes are saved with their storage)
    const idx = new Array(size.length).fill(0);
    for (let i = 0; i < count; i++) {
      let at = offset;
      for (let d = 0; d < size.length; d++) at += idx[d] * stride[d]!;
      values[i] = all[at]!;
      for (let d = size.length - 1; d >= 0; d--) {
        if (++idx[d] < size[d]!) break;
        idx[d] = 0;
      }
    }
    return { kind: 'tensor', dtype: ref.dtype, shape: size, values };
  };
  const call = (fn: unknown, args: unknown[]): unknown => {
    const name = (fn as Global)?.name;
    switch (name) {
      case 'torch._utils._rebuild_tensor_v2':
      case 'torch._utils._rebuild_tensor':
        return loadTensor(args);
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        return args[0];
      case 'collections.OrderedDict':
        return new Map();
      default:
        return { kind: 'object', name, args };
    }
  };
  for (;;) {
    if (pos >= data.length) throw new PickleError('pickle ends without STOP');
    const op = data[pos++]!;
    switch (op) {
      case 0x80: byte(); break; // PROTO
      case 0x95: pos += 8; break; // FRAME
      case 0x2e: return stack.pop(); // STOP
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x28: stack.push(MARK); break; // MARK
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4b: stack.push(byte()); break; // BININT1
      case 0x4d: stack.push(dv.getUint16(pos, true)); pos += 2; break; // BININT2
      case 0x4a: stack.push(dv.getInt32(pos, true)); pos += 4; break; // BININT
      case 0x8a: { // LONG1
        const n = byte();
        if (pos + n > data.length) throw new PickleError('pickle ends inside a LONG1');
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[pos + i]!);
        if (n > 0 && data[pos + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        pos += n;
        stack.push(Number(v));
        break;
      }
      case 0x47: stack.push(dv.getFloat64(pos, false)); pos += 8; break; // BINFLOAT
      case 0x58: { const n = dv.getUint32(pos, true); pos += 4; stack.push(text(n)); break; } // BINUNICODE
      case 0x8c: { const n = byte(); stack.push(text(n)); break; } // SHORT_BINUNICODE
      case 0x55: { const n = byte(); stack.push(text(n)); break; } // SHORT_BINSTRING
      case 0x54: { const n = dv.getUint32(pos, true); pos += 4; stack.push(text(n)); break; } // BINSTRING
      case 0x43: { const n = byte(); stack.push(data.slice(pos, pos + n)); pos += n; break; } // SHORT_BINBYTES
      case 0x42: { const n = dv.getUint32(pos, true); pos += 4; stack.push(data.slice(pos, pos + n)); pos += n; break; } // BINBYTES
      case 0x71: memo.set(byte(), top()); break; // BINPUT
      case 0x72: memo.set(dv.getUint32(pos, true), top()); pos += 4; break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memo.get(byte())); break; // BINGET
      case 0x6a: stack.push(memo.get(dv.getUint32(pos, true))); pos += 4; break; // LONG_BINGET
      case 0x63: { const mod = line(); const name = line(); stack.push({ kind: 'global', name: `${mod}.${name}` } satisfies Global); break; } // GLOBAL
      case 0x93: { const name = stack.pop(); const mod = stack.pop(); stack.push({ kind: 'global', name: `${String(mod)}.${String(name)}` }); break; } // STACK_GLOBAL
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([stack.pop()]); break; // TUPLE1
      case 0x86: { const b = stack.pop(); const a = stack.pop(); stack.push([a, b]); break; }
      case 0x87: { const c = stack.pop(); const b = stack.pop(); const a = stack.pop(); stack.push([a, b, c]); break; }
      case 0x51: { // BINPERSID: ('storage', storage_type, key, location, numel)
        const pid = asList(stack.pop(), 'BINPERSID');
        const type = String((pid[1] as Global | undefined)?.name).split('.').pop()!;
        const dtype = STORAGE_DTYPE[type];
        if (!dtype) throw new PickleError(`unsupported storage ${type}`);
        stack.push({ kind: 'storage', key: String(pid[2]), dtype } satisfies StorageRef);
        break;
      }
      case 0x52: { const args = asList(stack.pop(), 'REDUCE'); const fn = stack.pop(); stack.push(call(fn, args)); break; } // REDUCE
      case 0x81: { const args = asList(stack.pop(), 'NEWOBJ'); const cls = stack.pop(); stack.push(call(cls, args)); break; } // NEWOBJ
      case 0x62: stack.pop(); break; // BUILD: state of objects we keep as plain data
      case 0x73: { const v = stack.pop(); const k = stack.pop(); asMap(top(), 'SETITEM').set(k, v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        const d = asMap(top(), 'SETITEMS');
        for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
        break;
      }
      case 0x61: { const v = stack.pop(); asList(top(), 'APPEND').push(v); break; } // APPEND
      case 0x65: { const items = popMark(); const list = asList(top(), 'APPENDS'); for (const v of items) list.push(v); break; } // APPENDS
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16)} at byte ${pos - 1}`);
    }
  }
}

/** loads a torch.save zip file's object: dicts become Maps, tensors TorchTensor */
export function readTorchZip(bytes: Uint8Array, path: string): unknown {
  let files: Record<string, Uint8Array>;
  let unpacked = 0;
  let entries = 0;
  try {
    // sizes come from the zip's directory: fflate allocates a deflated entry's stated size
    // (and refuses to inflate past it), a stored one is a slice of the file
    files = unzipSync(bytes, {
      filter: (f) => {
        if (++entries > MAX_ZIP_ENTRIES) throw new UserError('bad-embedding', `${path} lists more than ${MAX_ZIP_ENTRIES} files; a torch embedding holds a few`);
        if (!f.name.endsWith('data.pkl') && !f.name.includes('/data/')) return false;
        unpacked += f.compression === 0 ? f.size : f.originalSize;
        return unpacked <= MAX_TORCH_UNPACKED_BYTES;
      },
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(
      'bad-embedding',
      `${path} is not a torch zip file (${(err as Error).message})`,
      'Old-style (pre-1.6) torch pickles are not supported; save the embedding as .safetensors.',
    );
  }
  if (unpacked > MAX_TORCH_UNPACKED_BYTES) {
    throw new UserError('bad-embedding', `${path} unpacks to more than ${MAX_TORCH_UNPACKED_BYTES} bytes, too big for a textual-inversion embedding`);
  }
  const pkl = Object.keys(files).find((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
  if (!pkl) throw new UserError('bad-embedding', `${path} is a zip file without data.pkl, not a torch file`);
  const prefix = pkl.slice(0, -'data.pkl'.length);
  try {
    return unpickle(files[pkl]!, (ref) => {
      const name = `${prefix}data/${ref.key}`;
      const data = Object.hasOwn(files, name) ? files[name] : undefined;
      if (!data) throw new PickleError(`storage ${ref.key} is missing`);
      return data;
    });
  } catch (err) {
    if (err instanceof PickleError || err instanceof RangeError) {
      throw new UserError('bad-embedding', `${path}: cannot read the torch data (${err.message})`, 'Save the embedding as .safetensors instead.');
    }
    throw err;
  }
}
