import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../main/common/errors';
import { A, floatBytes, GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { DataType, FileRange, type Graph, type Model } from '../../../main/inference/onnx/model';
import { ProtoWriter } from '../../../main/inference/onnx/proto-wire';
import { readModelBytes } from '../../../main/inference/onnx/read-model';
import { modelToBytes } from '../../../main/inference/onnx/write-model';
import { concat, createRng, fuzz, fuzzDir, HUGE_U32, mutate, type Mutation } from './harness';

const dir = fuzzDir('r2r-fuzz-onnx-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// the external data file the seeds point at: 64 bytes of weights
writeFileSync(join(dir, 'weights.bin'), Buffer.from(Float32Array.from({ length: 16 }, (_, i) => i / 16).buffer));

const FLOAT = DataType.FLOAT;

function graphModel(): Uint8Array {
  const b = new GraphBuilder(FLOAT, 0);
  b.initializers.push({ name: 'w', dataType: FLOAT, dims: [3, 4], data: floatBytes(Float32Array.from({ length: 12 }, (_, i) => i), FLOAT) });
  const pooled = b.op('GlobalAveragePool', [b.input('images', FLOAT, ['N', 3, 8, 8])]);
  const flat = b.op('Flatten', [pooled], { axis: A.i(1) });
  const mm = b.op('MatMul', [flat, 'w']);
  b.output('features', b.op('ReduceMean', [mm], { axes: A.ints([1]), keepdims: A.i(1), note: A.s('mean'), scale: A.f(0.5) }), FLOAT, ['N', 1]);
  return modelToBytes(b.model('fuzz-seed', 13));
}

/** typed-field tensors (float_data, int64_data, double_data), external data and a subgraph attribute, written field by field */
function handWrittenModel(): Uint8Array {
  const tensor = (w: ProtoWriter, name: string, dataType: number, dims: number[], fill: (w: ProtoWriter) => void) => {
    w.packedInts(1, dims).int(2, dataType).string(8, name);
    fill(w);
  };
  const graph = (w: ProtoWriter) => {
    w.message(5, (t) => tensor(t, 'f', DataType.FLOAT, [2, 2], (x) => x.packedFloats(4, [1, 2, 3, 4])));
    w.message(5, (t) => tensor(t, 'i', DataType.INT64, [3], (x) => x.packedInts(7, [1, -2, 2 ** 40])));
    w.message(5, (t) => {
      t.packedInts(1, [2]).int(2, DataType.DOUBLE).string(8, 'd');
      t.bytes(10, new Uint8Array(Float64Array.of(0.5, -0.25).buffer));
    });
    w.message(5, (t) => {
      t.packedInts(1, [4, 2]).int(2, DataType.FLOAT).string(8, 'ext');
      t.message(13, (e) => e.string(1, 'location').string(2, 'weights.bin'));
      t.message(13, (e) => e.string(1, 'offset').string(2, '16'));
      t.message(13, (e) => e.string(1, 'length').string(2, '32'));
      t.int(14, 1);
    });
    w.message(1, (n) => {
      n.string(1, 'cond').string(2, 'y').string(4, 'If').string(3, '/If');
      n.message(5, (a) => a.string(1, 'then_branch').int(20, 5).message(6, (g) => g.string(2, 'then').message(12, (o) => o.string(1, 'y'))));
      n.message(5, (a) => a.string(1, 'pads').int(20, 7).packedInts(8, [0, 1, 1, 0]));
    });
    w.message(11, (v) => v.string(1, 'cond').message(2, (t) => t.message(1, (tt) => tt.int(1, DataType.BOOL).message(2, (s) => s.message(1, (d) => d.int(1, 1))))));
    w.message(12, (v) => v.string(1, 'y').message(2, (t) => t.message(1, (tt) => tt.int(1, FLOAT).message(2, (s) => s.message(1, (d) => d.string(2, 'N'))))));
    w.string(2, 'hand-written');
  };
  return new ProtoWriter().int(1, 8).string(2, 'fuzz').message(8, (o) => o.string(1, '').int(2, 17)).message(7, graph).finish();
}

/** a varint somewhere replaced by a huge one: dims, lengths and counts that claim gigabytes */
const hugeVarint: Mutation = (b, rng) => {
  const at = rng.below(b.length);
  const big = new ProtoWriter().int(1, BigInt(rng.pick(HUGE_U32)) * BigInt(1 + rng.below(1 << 20))).finish().subarray(1);
  let end = at;
  while (end < b.length && b[end]! >= 0x80) end++;
  return concat(b.subarray(0, at), big, b.subarray(Math.min(end + 1, b.length)));
};

function checkModel(m: Model): void {
  const walk = (g: Graph) => {
    for (const t of g.initializers) {
      if (t.data instanceof FileRange) {
        expect(t.data.offset).toBeGreaterThanOrEqual(0);
        expect(Number.isSafeInteger(t.data.byteLength) && t.data.byteLength >= 0).toBe(true);
        // a reference never leaves the model's folder
        expect(t.data.path.startsWith(dir)).toBe(true);
        expect(t.data.read().length).toBe(t.data.byteLength);
      } else expect(t.data).toBeInstanceOf(Uint8Array);
    }
    for (const n of g.nodes) for (const a of n.attributes) if (a.g) walk(a.g);
  };
  expect(m.graph).toBeDefined();
  walk(m.graph);
}

describe('fuzz: ONNX model reader', () => {
  it('answers 10,000 mutated models with a UserError or a readable model', async () => {
    const seeds = [graphModel(), handWrittenModel()];
    expect(() => checkModel(readModelBytes(seeds[1]!, dir))).not.toThrow();
    const rng = createRng(2304);
    const { counts, failures } = await fuzz({
      name: 'onnx',
      count: 10_000,
      input: () => mutate(rng, seeds, [hugeVarint, hugeVarint]),
      run: (bytes) => checkModel(readModelBytes(bytes, dir)),
      isClean: (err) => err instanceof UserError,
    });
    expect(failures).toEqual([]);
    expect(counts.parsed).toBeGreaterThan(500);
    expect(counts.peakArrayBuffers).toBeLessThan(64 * 2 ** 20);
  });
});

/** a model whose graph holds one initializer, written field by field */
function oneTensorModel(fill: (t: ProtoWriter) => void): Uint8Array {
  return new ProtoWriter().int(1, 8).message(7, (g) => g.message(5, fill)).finish();
}

describe('ONNX reader: the minimal inputs behind each fix', () => {
  it('refuses typed-field tensors whose dims claim more values than they hold, before allocating', () => {
    // 20000 x 20000 floats would be 1.6 GB of zeros
    const claim = oneTensorModel((t) => t.packedInts(1, [20000, 20000]).int(2, FLOAT).string(8, 'w').packedFloats(4, [1]));
    expect(() => readModelBytes(claim)).toThrow(/tensor w has dims \[20000, 20000\] but holds 1 values/);
    const negative = oneTensorModel((t) => t.packedInts(1, [-1]).int(2, FLOAT).string(8, 'w').packedFloats(4, [1]));
    expect(() => readModelBytes(negative)).toThrow(/tensor w has the dimension -1/);
    const exact = readModelBytes(oneTensorModel((t) => t.packedInts(1, [2]).int(2, FLOAT).string(8, 'w').packedFloats(4, [1, 2])));
    expect(new Float32Array((exact.graph.initializers[0]!.data as Uint8Array).slice().buffer)).toEqual(Float32Array.of(1, 2));
  });

  it('answers an unknown data type with a UserError, not a bare Error', () => {
    const unknown = oneTensorModel((t) => t.packedInts(1, [1]).int(2, 0).string(8, 'w').packedInts(5, [1]));
    let thrown: unknown;
    try {
      readModelBytes(unknown);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UserError);
    expect((thrown as UserError).message).toBe('the model bytes is truncated or not an ONNX model (tensor w has data type 0, which has no fixed element size)');
  });

  it('never follows external data out of the model folder, nor takes a non-numeric offset', () => {
    writeFileSync(join(dir, '..', 'outside.bin'), Buffer.alloc(64));
    const external = (location: string, offset: string) =>
      oneTensorModel((t) => {
        t.packedInts(1, [4]).int(2, FLOAT).string(8, 'w');
        t.message(13, (e) => e.string(1, 'location').string(2, location));
        t.message(13, (e) => e.string(1, 'offset').string(2, offset));
        t.int(14, 1);
      });
    expect(() => readModelBytes(external('../outside.bin', '0'), dir)).toThrow(/keeps its data at '\.\.\/outside\.bin', outside the model's folder/);
    expect(() => readModelBytes(external('/etc/hostname', '0'), dir)).toThrow(/outside the model's folder/);
    expect(() => readModelBytes(external('weights.bin', 'abc'), dir)).toThrow(/external data offset 'abc' or length 'undefined' is not a byte count/);
    const ok = readModelBytes(external('weights.bin', '16'), dir).graph.initializers[0]!.data as FileRange;
    expect([ok.path, ok.offset, ok.byteLength]).toEqual([join(dir, 'weights.bin'), 16, 16]);
    rmSync(join(dir, '..', 'outside.bin'));
  });
});
