import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRange, type Model } from '../../../main/inference/onnx/model';
import { readModel, readModelBytes } from '../../../main/inference/onnx/read-model';
import { modelToBytes, saveModel } from '../../../main/inference/onnx/write-model';
import { buildDemoComponent } from '../../../main/inference/models/demo/demo-model';
import { probeModelBytes } from '../../../main/inference/runtime/probe-model';
import { maxAbsDiff, session, unetFeeds } from './ort-helpers';

describe('ONNX model read and write', () => {
  let dir: string;
  let unet: Model;
  let bytes: Uint8Array;
  let reference: Float32Array;
  const feeds = unetFeeds(2, 8, 8, 3);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'r2r-onnx-io-'));
    unet = buildDemoComponent('unet', { seed: 11 });
    bytes = modelToBytes(unet);
    reference = (await (await session(unet)).run(feeds)).out_sample!.data as Float32Array;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a hand-encoded model (the provider probe) into its parts', () => {
    const m = readModelBytes(probeModelBytes());
    expect(m.irVersion).toBe(8);
    expect(m.opsetImport).toEqual([{ domain: '', version: 17 }]);
    expect(m.graph.nodes).toEqual([{ name: 'add', opType: 'Add', domain: '', inputs: ['x', 'x'], outputs: ['y'], attributes: [] }]);
    expect(m.graph.inputs).toEqual([{ name: 'x', elemType: 1, shape: [4] }]);
  });

  it('round-trips bytes exactly through read and write', () => {
    const again = modelToBytes(readModelBytes(bytes));
    expect(Buffer.compare(Buffer.from(again), Buffer.from(bytes))).toBe(0);
  });

  it('reads structure from a file without loading big weights, and writes them back unchanged', async () => {
    const path = join(dir, 'inline', 'model.onnx');
    mkdirSync(join(path, '..'), { recursive: true });
    saveModel(unet, path);
    expect(statSync(path).size).toBe(bytes.length);
    const m = readModel(path);
    const lazy = m.graph.initializers.filter((t) => t.data instanceof FileRange);
    const inMemory = m.graph.initializers.reduce((n, t) => n + (t.data instanceof Uint8Array ? t.data.byteLength : 0), 0);
    // the cross-attention projections (768 x C floats) stay on disk; what is in memory is small
    expect(lazy.length).toBeGreaterThan(10);
    expect(inMemory).toBeLessThan(bytes.length / 4);
    expect(Buffer.compare(Buffer.from(modelToBytes(m)), Buffer.from(bytes))).toBe(0);
  });

  it('writes and reads external data (location/offset/length) both ways, and onnxruntime agrees', async () => {
    const path = join(dir, 'external', 'model.onnx');
    mkdirSync(join(path, '..'), { recursive: true });
    const res = saveModel(unet, path, { externalData: 'always' });
    expect(res.dataFile).toBe(join(dir, 'external', 'model.onnx_data'));
    expect(statSync(path).size).toBeLessThan(bytes.length / 20);
    expect(statSync(res.dataFile!).size).toBe(res.dataBytes);
    const m = readModel(path);
    const ext = m.graph.initializers.filter((t) => t.data instanceof FileRange && t.data.path === res.dataFile);
    expect(ext.length).toBeGreaterThan(50);
    const out = (await (await session(path)).run(feeds)).out_sample!.data as Float32Array;
    expect(maxAbsDiff(out, reference)).toBe(0);
    // external -> inline gives the original bytes back
    expect(Buffer.compare(Buffer.from(modelToBytes(m)), Buffer.from(bytes))).toBe(0);
    // and external -> external (a second copy) still runs
    const copy = join(dir, 'external2', 'model.onnx');
    mkdirSync(join(copy, '..'), { recursive: true });
    saveModel(m, copy, { externalData: 'always' });
    expect(readFileSync(copy + '_data').equals(readFileSync(res.dataFile!))).toBe(true);
  });

  it('reports progress up to the total and leaves nothing behind when cancelled', () => {
    const path = join(dir, 'progress', 'model.onnx');
    mkdirSync(join(path, '..'), { recursive: true });
    const seen: [number, number][] = [];
    const res = saveModel(unet, path, { externalData: 'always', sizeThreshold: 1, onProgress: (d, t) => seen.push([d, t]) });
    expect(seen.at(-1)).toEqual([res.modelBytes + res.dataBytes, res.modelBytes + res.dataBytes]);
    const stopped = new AbortController();
    stopped.abort();
    const other = join(dir, 'cancelled', 'model.onnx');
    mkdirSync(join(other, '..'), { recursive: true });
    expect(() => saveModel(unet, other, { externalData: 'always', signal: stopped.signal })).toThrow(/saving .*cancelled/);
    expect(readdirSync(join(other, '..'))).toEqual([]);
  });

  it('names the file and the problem for truncated models and external data', () => {
    const cut = join(dir, 'cut.onnx');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(() => readModel(cut)).toThrow(/cut\.onnx is truncated or not an ONNX model/);
    writeFileSync(cut, new Uint8Array(0));
    expect(() => readModel(cut)).toThrow(/cut\.onnx is empty/);
    writeFileSync(cut, 'this is a text file, not protobuf\n');
    expect(() => readModel(cut)).toThrow(/cut\.onnx is truncated or not an ONNX model/);

    const path = join(dir, 'ext-cut', 'model.onnx');
    mkdirSync(join(path, '..'), { recursive: true });
    saveModel(unet, path, { externalData: 'always' });
    truncateSync(path + '_data', 1000);
    expect(() => readModel(path)).toThrow(/ext-cut\/model\.onnx_data is truncated: tensor .* needs bytes/);
    unlinkSync(path + '_data');
    expect(() => readModel(path)).toThrow(/ext-cut\/model\.onnx_data is missing: .*model\.onnx keeps its weights there/);
  });
});

