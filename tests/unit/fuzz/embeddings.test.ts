import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../main/common/errors';
import { readEmbeddingFile, type EmbeddingFile } from '../../../main/inference/models/embeddings';
import { MAX_TORCH_UNPACKED_BYTES } from '../../../main/inference/models/torch-zip';
import { concat, createRng, fuzz, fuzzDir, HUGE_U32, mutate, type Mutation, type Rng } from './harness';

const dir = fuzzDir('r2r-fuzz-emb-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = join(import.meta.dirname, '..', 'models', 'fixtures');

function safetensorsBytes(header: unknown, data: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return concat(len, json, data);
}

function floats(n: number, seed: number): Uint8Array {
  return new Uint8Array(Float32Array.from({ length: n }, (_, i) => Math.sin(i + seed) * 0.02).buffer);
}

const SAFETENSORS_SEEDS = [
  safetensorsBytes({ emb_params: { dtype: 'F32', shape: [2, 16], data_offsets: [0, 128] }, __metadata__: { name: 'render-neg' } }, floats(32, 1)),
  safetensorsBytes(
    { '<cat>': { dtype: 'F16', shape: [16], data_offsets: [0, 32] }, '<dog>': { dtype: 'BF16', shape: [1, 16], data_offsets: [32, 64] } },
    floats(16, 2),
  ),
  safetensorsBytes({ '<x>': { dtype: 'F64', shape: [1, 8], data_offsets: [0, 64] } }, floats(16, 3)),
];

const WEIRD_VALUES: unknown[] = [-1, 0, 1.5, 2 ** 53, 2 ** 64, 1e308, -0, '16', null, true, {}, [], [-4], [2 ** 40, 2 ** 40], [1e308], ...HUGE_U32];

/** a field of the JSON header replaced by a weird value, with the length prefix kept right */
const safetensorsHeaderField: Mutation = (b, rng) => {
  if (b.length < 8) return b;
  const len = Number(Buffer.from(b).readBigUInt64LE(0));
  let header: Record<string, Record<string, unknown>>;
  try {
    header = JSON.parse(Buffer.from(b.subarray(8, 8 + len)).toString());
  } catch {
    return b;
  }
  const names = Object.keys(header);
  const name = rng.pick(names);
  const entry = header[name];
  if (entry === null || typeof entry !== 'object') header[name] = rng.pick(WEIRD_VALUES) as Record<string, unknown>;
  else {
    const field = rng.pick(['dtype', 'shape', 'data_offsets', 'name', ...Object.keys(entry)]);
    const pickArray = rng.below(2) && Array.isArray(entry[field]);
    if (pickArray) (entry[field] as unknown[])[rng.below((entry[field] as unknown[]).length + 1)] = rng.pick(WEIRD_VALUES);
    else entry[field] = rng.below(4) === 0 ? rng.pick(['F32', 'F16', 'I64', 'U8', 'F8', '__proto__', 'constructor']) : rng.pick(WEIRD_VALUES);
  }
  if (rng.below(8) === 0) header[rng.pick(['__metadata__', '__proto__', 'constructor', 'emb_params'])] = rng.pick(WEIRD_VALUES) as Record<string, unknown>;
  return safetensorsBytes(header, b.subarray(8 + len));
};

/** the pickle inside a torch zip mutated, and the zip rebuilt around it (stored, as torch.save writes) */
function torchPickle(rng: Rng, seeds: readonly Uint8Array[]): Mutation {
  const pickles = seeds.map((s) => Object.entries(unzipSync(s)).find(([n]) => n.endsWith('data.pkl'))![1]);
  return (b) => {
    let files: Record<string, Uint8Array>;
    try {
      files = unzipSync(b);
    } catch {
      return b;
    }
    const pkl = Object.keys(files).find((n) => n.endsWith('data.pkl'));
    if (!pkl) return b;
    files[pkl] = mutate(rng, pickles);
    return zipSync(files, { level: 0 });
  };
}

function checkEmbeddings(f: EmbeddingFile): void {
  expect(f.embeddings.length).toBeGreaterThan(0);
  for (const e of f.embeddings) {
    expect(e.count).toBeGreaterThan(0);
    expect(e.hidden).toBeGreaterThan(0);
    expect(e.vectors.length).toBe(e.count * e.hidden);
    expect(e.vectors.every(Number.isFinite)).toBe(true);
  }
}

describe('fuzz: textual-inversion embedding readers', () => {
  it('answers 10,000 mutated .safetensors files with a UserError or a valid embedding', async () => {
    const rng = createRng(2302);
    const path = join(dir, 'fuzz.safetensors');
    const { counts, failures } = await fuzz({
      name: 'safetensors',
      count: 10_000,
      input: () => mutate(rng, SAFETENSORS_SEEDS, [safetensorsHeaderField, safetensorsHeaderField, safetensorsHeaderField]),
      run: (bytes) => {
        writeFileSync(path, bytes);
        checkEmbeddings(readEmbeddingFile(path));
      },
      isClean: (err) => err instanceof UserError,
    });
    expect(failures).toEqual([]);
    expect(counts.parsed).toBeGreaterThan(200);
    expect(counts.peakArrayBuffers).toBeLessThan(64 * 2 ** 20);
  });

  it('answers 10,000 mutated torch zip files with a UserError or a valid embedding', async () => {
    const seeds = [readFileSync(join(fixtures, 'a1111-render-neg.pt')), readFileSync(join(fixtures, 'learned_embeds.bin'))].map((b) => new Uint8Array(b));
    const rng = createRng(2303);
    const pickle = torchPickle(rng, seeds);
    const path = join(dir, 'fuzz.pt');
    const { counts, failures } = await fuzz({
      name: 'torch-zip',
      count: 10_000,
      input: () => mutate(rng, seeds, [pickle, pickle, pickle, pickle]),
      run: (bytes) => {
        writeFileSync(path, bytes);
        checkEmbeddings(readEmbeddingFile(path));
      },
      isClean: (err) => err instanceof UserError,
    });
    expect(failures).toEqual([]);
    expect(counts.parsed).toBeGreaterThan(200);
    expect(counts.peakArrayBuffers).toBeLessThan(64 * 2 ** 20);
  });
});

/** a hand-assembled pickle: opcodes as bytes, strings as SHORT_BINUNICODE */
function pickle(...parts: (number | string)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else {
      const b = Buffer.from(p, 'utf8');
      out.push(0x8c, b.length, ...b);
    }
  }
  return Uint8Array.from(out);
}

const GLOBAL = (mod: string, name: string) => [0x63, ...Buffer.from(`${mod}\n${name}\n`, 'latin1')];
const STOP = 0x2e;
const STORAGE_0 = [0x28, 'storage', ...GLOBAL('torch', 'FloatStorage'), '0', 'cpu', 0x4b, 4, 0x74, 0x51];

/** {'<tok>': tensor(storage '0', offset 0, size, stride 1)} with a 4-float storage */
function tensorPickle(size: number): Uint8Array {
  const int32 = [...new Uint8Array(Int32Array.of(size).buffer)];
  return pickle(0x80, 2, 0x7d, '<tok>', ...GLOBAL('torch._utils', '_rebuild_tensor_v2'), 0x28, ...STORAGE_0, 0x4b, 0, 0x4a, ...int32, 0x85, 0x4b, 1, 0x85, 0x74, 0x52, 0x73, STOP);
}

function torchFile(name: string, pkl: Uint8Array, storage = floats(4, 9)): string {
  const path = join(dir, name);
  writeFileSync(path, zipSync({ 'archive/data.pkl': pkl, 'archive/data/0': storage }, { level: 0 }));
  return path;
}

function safetensorsFile(name: string, header: unknown, data = floats(4, 9)): string {
  const path = join(dir, name);
  writeFileSync(path, safetensorsBytes(header, data));
  return path;
}

describe('embedding readers: the minimal inputs behind each fix', () => {
  it('a well-formed tensor pickle reads (the builder below is right)', () => {
    const f = readEmbeddingFile(torchFile('ok.pt', tensorPickle(4)));
    expect(f.embeddings).toEqual([{ token: '<tok>', count: 1, hidden: 4, vectors: new Float32Array(floats(4, 9).buffer) }]);
  });

  it('refuses a tensor larger than its storage before allocating it', () => {
    // 10^9 floats would be 4 GB
    expect(() => readEmbeddingFile(torchFile('huge.pt', tensorPickle(1e9)))).toThrow(/tensor of size \[1000000000\] reaches past its storage of 4 values/);
    expect(() => readEmbeddingFile(torchFile('five.pt', tensorPickle(5)))).toThrow(/reaches past its storage/);
  });

  it('refuses a GLOBAL name without its newline (the reader used to start over from byte 0, forever)', () => {
    expect(() => readEmbeddingFile(torchFile('loop.pt', Uint8Array.from([0x63, ...Buffer.from('torch')])))).toThrow(`loop.pt: cannot read the torch data (pickle ends inside a GLOBAL name)`);
  });

  it('refuses dict and list opcodes on the wrong kind of value', () => {
    expect(() => readEmbeddingFile(torchFile('setitem.pt', pickle(0x5d, 0x4b, 1, 0x4b, 2, 0x73, STOP)))).toThrow(/SETITEM on something that is not a dict/);
    expect(() => readEmbeddingFile(torchFile('append.pt', pickle(0x7d, 0x4b, 1, 0x61, STOP)))).toThrow(/APPEND on something that is not a list/);
    expect(() => readEmbeddingFile(torchFile('persid.pt', pickle(0x4b, 1, 0x51, STOP)))).toThrow(/BINPERSID on something that is not a list/);
    expect(() => readEmbeddingFile(torchFile('short.pt', pickle(0x4b)))).toThrow(/pickle ends inside an opcode/);
  });

  it('refuses a zip entry claiming 4 GB before fflate allocates it', () => {
    const zip = Buffer.from(zipSync({ 'archive/data.pkl': tensorPickle(4), 'archive/data/0': floats(4, 9) }, { level: 6 }));
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(0xfffffff0, central + 24); // uncompressed size of the first entry
    const path = join(dir, 'bomb.pt');
    writeFileSync(path, zip);
    expect(() => readEmbeddingFile(path)).toThrow(`unpacks to more than ${MAX_TORCH_UNPACKED_BYTES} bytes`);
  });

  it('refuses safetensors headers that are not an object of valid entries', () => {
    expect(() => readEmbeddingFile(safetensorsFile('null.safetensors', null))).toThrow(/the header is not a JSON object/);
    expect(() => readEmbeddingFile(safetensorsFile('list.safetensors', [1, 2]))).toThrow(/the header is not a JSON object/);
    // a negative shape made the byte count negative and passed the size check
    expect(() => readEmbeddingFile(safetensorsFile('neg.safetensors', { t: { dtype: 'F32', shape: [-2], data_offsets: [8, 0] } }))).toThrow(/tensor 't' has no valid dtype, shape and data_offsets/);
    expect(() => readEmbeddingFile(safetensorsFile('frac.safetensors', { t: { dtype: 'F32', shape: [0.5, 8], data_offsets: [0, 16] } }))).toThrow(/no valid dtype/);
    expect(() => readEmbeddingFile(safetensorsFile('proto.safetensors', { t: { dtype: 'constructor', shape: [4], data_offsets: [0, 16] } }))).toThrow(/no valid dtype/);
    expect(() => readEmbeddingFile(safetensorsFile('meta.safetensors', { __metadata__: { name: 5 }, emb_params: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }))).toThrow(/__metadata__ must map names to strings/);
  });
});

describe('torch zip directory', () => {
  it('refuses a directory claiming 65,535 entries instead of walking garbage for each', () => {
    const zip = Buffer.from(zipSync({ 'archive/data.pkl': tensorPickle(4), 'archive/data/0': floats(4, 9) }, { level: 0 }));
    const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    zip.writeUInt16LE(0xffff, eocd + 8); // entries on this disk
    zip.writeUInt16LE(0xffff, eocd + 10); // entries in all
    const path = join(dir, 'many.pt');
    writeFileSync(path, zip);
    expect(() => readEmbeddingFile(path)).toThrow(/lists more than 10000 files; a torch embedding holds a few/);
  });
});
