import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { expectUserErrorAsync as expectUserError } from '../support/user-error';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { loadR2RModel } from '../../../main/inference/pipelines/load-r2r-model';
import { SessionManager, type SessionEvent } from '../../../main/inference/runtime/session-manager';
import { floatOutput, typedFeeds } from '../../../main/inference/runtime/typed-feeds';
import { tinyModel, tinyTextEncoder, tinyUnet } from './tiny-models';

const tmp = mkdtempSync(path.join(tmpdir(), 'r2r-sessions-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const p = path.join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

const unet = write('unet.onnx', tinyUnet({ float: 'float16', timestep: ['timestep', 'int64', []] }));
const text = write('text.onnx', tinyTextEncoder('int64'));
const double = write('double.onnx', tinyModel([['x', 'float32', [4]]], [['y', 'float32', [4]]], [['Add', ['x', 'x'], ['y']]]));

describe('session manager', () => {
  it('reuses the session for the same model and provider, releases it on a switch and on close', async () => {
    const events: SessionEvent[] = [];
    const m = new SessionManager({ onEvent: (e) => events.push(e) });
    const a = await m.get(unet, 'cpu', 'The UNet');
    expect(a.loadMs).toBeGreaterThan(0);
    expect(a.inputs.map((i) => `${i.name}:${i.type}`)).toEqual(['sample:float16', 'timestep:int64', 'encoder_hidden_states:float16']);
    expect(await m.get(unet, 'cpu')).toBe(a);
    const b = await m.get(text, 'cpu', 'The text encoder');
    expect(a.disposed).toBe(true);
    await expect(a.run({})).rejects.toThrow(/released/);
    expect(m.loaded).toEqual([b]);
    const out = await b.run(typedFeeds(b.inputs, { input_ids: { kind: 'int', data: new Int32Array(77).fill(7), dims: [1, 77] } }));
    expect(floatOutput(out, 'ids_out').data[0]).toBe(7);
    await m.close();
    expect(b.disposed).toBe(true);
    expect(m.loaded).toEqual([]);
    expect(m.stats).toMatchObject({ loads: 2, reuses: 1, disposals: 2 });
    expect(events.map((e) => e.type)).toEqual(['load', 'reuse', 'dispose', 'load', 'dispose']);
  });

  it('loads one at a time when asked concurrently', async () => {
    let active = 0;
    let most = 0;
    const m = new SessionManager({
      capacity: 2,
      create: async (p, o) => {
        active++;
        most = Math.max(most, active);
        try {
          return await ort.InferenceSession.create(p, o);
        } finally {
          active--;
        }
      },
    });
    const [x, y, z] = await Promise.all([m.get(unet, 'cpu'), m.get(unet, 'cpu'), m.get(double, 'cpu')]);
    expect(x).toBe(y);
    expect(z).not.toBe(x);
    expect(most).toBe(1);
    expect(m.stats.loads).toBe(2);
    // capacity 2: both stay; a third evicts the least recently used (unet)
    await m.get(text, 'cpu');
    expect(x.disposed).toBe(true);
    expect(z.disposed).toBe(false);
    await m.close();
  });

  it('waits for a run in progress before releasing its session', async () => {
    const m = new SessionManager();
    const s = await m.get(double, 'cpu');
    const run = s.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [4]) });
    const switched = m.get(text, 'cpu');
    const out = await run;
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 4, 6, 8]);
    await switched;
    expect(s.disposed).toBe(true);
    await m.close();
  });

  it('names the missing or broken model file in a user error', async () => {
    const m = new SessionManager();
    await expectUserError(m.get(path.join(tmp, 'vae_decoder', 'model.onnx'), 'cpu', 'The VAE decoder'), /The VAE decoder is missing: .*vae_decoder\/model\.onnx does not exist/);
    const broken = write('broken.onnx', new TextEncoder().encode('not an onnx model'));
    await expectUserError(m.get(broken, 'cpu', 'The UNet'), /The UNet could not be loaded with the cpu provider/);
    // the manager still works after failures
    expect((await m.get(double, 'cpu')).disposed).toBe(false);
    await m.close();
  });

  it('creates sessions without spin-waiting threads unless the caller says otherwise', async () => {
    const seen: ort.InferenceSession.SessionOptions[] = [];
    const create = async (p: string, o: ort.InferenceSession.SessionOptions) => {
      seen.push(o);
      return ort.InferenceSession.create(p, o);
    };
    const plain = new SessionManager({ create });
    await plain.get(double, 'cpu');
    await plain.close();
    expect(seen[0]).toMatchObject({ logSeverityLevel: 3, executionProviders: ['cpu'], extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } });
    const custom = new SessionManager({ create, sessionOptions: { graphOptimizationLevel: 'basic', extra: { session: { intra_op: { allow_spinning: '1' } }, memory: { enable_memory_arena_shrinkage: 'cpu:0' } } } });
    const s = await custom.get(double, 'cpu');
    expect(Array.from((await s.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [4]) })).y!.data as Float32Array)).toEqual([2, 4, 6, 8]);
    await custom.close();
    expect(seen[1]).toMatchObject({ graphOptimizationLevel: 'basic', extra: { session: { intra_op: { allow_spinning: '1' }, inter_op: { allow_spinning: '0' } }, memory: { enable_memory_arena_shrinkage: 'cpu:0' } } });
  });
});

describe('session threads', () => {
  /** the OS threads of this process now (Linux) */
  const osThreads = () => Number(/^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);

  it('onnxruntime takes intraOpNumThreads from the manager: N threads hold N-1 pool threads while loaded, none after release', async () => {
    const m = new SessionManager({ sessionOptions: { intraOpNumThreads: 4 } });
    await (await new SessionManager().get(double, 'cpu')).release(); // the addon's own threads start first
    const before = osThreads();
    const s = await m.get(double, 'cpu');
    expect(osThreads() - before).toBe(3);
    await m.close();
    expect(s.disposed).toBe(true);
    expect(osThreads()).toBe(before);
  });

  it('loadR2RModel gives every session the threads asked for, and leaves onnxruntime its default otherwise', async () => {
    const model = path.join(tmp, 'demo');
    writeDemoModel(model, { seed: 3 });
    const seen: ort.InferenceSession.SessionOptions[] = [];
    const create = async (p: string, o: ort.InferenceSession.SessionOptions) => {
      seen.push(o);
      return ort.InferenceSession.create(p, o);
    };
    const one = await loadR2RModel(model, { cacheDir: path.join(tmp, 'cache'), provider: 'cpu', threads: 1, createSession: create });
    await one.model.dispose();
    const opened = seen.length;
    expect(opened).toBeGreaterThan(0);
    expect(seen.map((o) => o.intraOpNumThreads)).toEqual(Array(opened).fill(1));
    const plain = await loadR2RModel(model, { cacheDir: path.join(tmp, 'cache'), provider: 'cpu', createSession: create });
    await plain.model.dispose();
    expect(seen.slice(opened).map((o) => 'intraOpNumThreads' in o)).toEqual(Array(seen.length - opened).fill(false));
    expect(seen.length).toBe(opened * 2);
  });
});
