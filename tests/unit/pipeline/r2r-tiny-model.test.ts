import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../main/cli/index';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { readMask } from '../../../main/inference/image/mask';
import { readSourceImage } from '../../../main/inference/image/source-image';
import { ShotCache } from '../../../main/inference/pipelines/shot-cache';
import { ddimSchedule } from '../../../main/inference/pipelines/ddim-schedule';
import type { DiffusionModel } from '../../../main/inference/pipelines/diffusion-model';
import { loadR2RModel, type LoadedModel } from '../../../main/inference/pipelines/load-r2r-model';
import { DEFAULT_R2R_PARAMS, runR2R, type R2RResult } from '../../../main/inference/pipelines/r2r';
import { encodePng, pngClaimingSize } from './png-encode';

const dir = mkdtempSync(join(tmpdir(), 'r2r-tiny-'));
const modelDir = join(dir, 'tiny');
const cacheDir = join(dir, 'cache');
const out = (name: string) => join(dir, 'out', name);
let loaded: LoadedModel;

function sink(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(c, _e, cb) {
      chunks.push(Buffer.from(c));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => Buffer.concat(chunks).toString('utf8');
  return w;
}

async function cli(args: string[], signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(args, { stdout, stderr }, signal);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** a safetensors file written from its specification: u64 header length, JSON header, raw little-endian data */
function safetensors(name: string, rows: number, width: number, seed: number): Buffer {
  const data = new Float32Array(rows * width).map((_, i) => Math.sin(i * 0.1 + seed) * 0.02);
  const header = Buffer.from(JSON.stringify({ [name]: { dtype: 'F32', shape: [rows, width], data_offsets: [0, data.byteLength] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.from(data.buffer)]);
}

const W = 64;
const H = 64;
function renderPng(path: string, colour: 'rgb' | 'rgba' = 'rgb'): void {
  const ch = colour === 'rgb' ? 3 : 4;
  const px: number[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      px.push(128 + Math.round(100 * Math.sin(x / 5)), 128 + Math.round(100 * Math.cos(y / 7)), (x * y) % 256);
      if (ch === 4) px.push(x < 8 ? 0 : 255);
    }
  writeFileSync(path, encodePng({ width: W, height: H, colour, depth: 8, samples: px }));
}

const base = (input: string, output: string) => ['generate', '--model', modelDir, '--input', input, '--out', output, '--width', '64', '--height', '64', '--cache-dir', cacheDir, '--provider', 'cpu', '--json'];

beforeAll(async () => {
  writeDemoModel(modelDir, { seed: 3 });
  cpSync(modelDir, join(dir, 'broken'), { recursive: true });
  rmSync(join(dir, 'broken', 'vae_encoder'), { recursive: true });
  cpSync(modelDir, join(dir, 'no-scheduler'), { recursive: true });
  rmSync(join(dir, 'no-scheduler', 'scheduler'), { recursive: true });
  renderPng(join(dir, 'render.png'));
  renderPng(join(dir, 'render-alpha.png'), 'rgba');
  mkdirSync(join(dir, 'out'));
  loaded = await loadR2RModel(modelDir, { cacheDir, provider: 'cpu' });
});
afterAll(async () => {
  await loaded?.model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('r2r generate with the tiny demo model', () => {
  it('writes the shot and reports 15 batch-1 + 13 batch-3 + 2 batch-2 UNet calls (58 sample-evaluations against 90)', async () => {
    const r = await cli([...base(join(dir, 'render.png'), out('a.png')), '--no-cache']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.unet.callsByBatchSize).toEqual({ 1: 15, 2: 2, 3: 13 });
    expect(report.unet.sampleEvaluations).toBe(58);
    expect(report.unet.referenceSampleEvaluations).toBe(90);
    expect(report.provider).toBe('cpu');
    expect(report.tacSteps).toBe(13);
    expect(report.model.tacLevels).toEqual([0, 1]);
    for (const stage of ['prepare', 'encode', 'inversion', 'text', 'generation', 'decode', 'composite', 'write']) expect(report.timingsMs[stage]).toBeGreaterThanOrEqual(0);
    const img = await readSourceImage(out('a.png'));
    expect([img.width, img.height]).toEqual([W, H]);
  });

  it('inverts in the official order by default, takes --inversion ddim, records both, and the two give different shots', async () => {
    const official = await cli([...base(join(dir, 'render.png'), out('official.png')), '--no-cache']);
    expect(official.code, official.stderr).toBe(0);
    const a = JSON.parse(official.stdout);
    expect([a.inversion, a.vae]).toEqual(['official', 'VAE on the whole canvas']);
    expect(a.unet.log.slice(0, 15).map((c: { timestep: number }) => c.timestep)).toEqual(Array.from({ length: 15 }, (_, i) => 281 - 20 * i));
    const ddim = await cli([...base(join(dir, 'render.png'), out('ddim.png')), '--inversion', 'ddim']);
    expect(ddim.code, ddim.stderr).toBe(0);
    const b = JSON.parse(ddim.stdout);
    expect(b.inversion).toBe('ddim');
    expect(b.unet.log.slice(0, 15).map((c: { timestep: number }) => c.timestep)).toEqual(Array.from({ length: 15 }, (_, i) => 1 + 20 * i));
    // the cache keeps the orders apart: the ddim shot did not take the official shot's inversion
    const again = await cli([...base(join(dir, 'render.png'), out('official2.png'))]);
    expect(JSON.parse(again.stdout).inversionCached).toBe(false);
    const imgA = await readSourceImage(out('official.png'));
    const imgB = await readSourceImage(out('ddim.png'));
    expect(Buffer.from(imgA.data).equals(Buffer.from(imgB.data))).toBe(false);
    const bad = await cli([...base(join(dir, 'render.png'), out('bad.png')), '--inversion', 'upward']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--inversion must be official or ddim/);
    const tiles = await cli([...base(join(dir, 'render.png'), out('bad.png')), '--vae-tiles', '200']);
    expect(tiles.code).not.toBe(0);
    expect(tiles.stderr).toMatch(/multiple of 64/);
  });

  it('runs the scheduler as the SD pipelines do and says so when the config says otherwise', async () => {
    const odd = join(dir, 'odd-scheduler');
    cpSync(modelDir, odd, { recursive: true });
    const file = join(odd, 'scheduler', 'scheduler_config.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), steps_offset: 0, clip_sample: true }));
    const r = await cli(['generate', '--model', odd, '--input', join(dir, 'render.png'), '--out', out('odd.png'), '--width', '64', '--height', '64', '--cache-dir', cacheDir, '--provider', 'cpu', '--json', '--no-cache', '--steps', '10']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.notes).toEqual(["scheduler steps_offset 0 -> 1 (as diffusers' Stable Diffusion pipelines force it)", "scheduler clip_sample true -> false (as diffusers' Stable Diffusion pipelines force it)"]);
    // 10 steps at 0.3: K = 3, t = 201, 101, 1 (steps_offset 1), not 200, 100, 0
    expect(report.unet.log.map((c: { timestep: number }) => c.timestep)).toEqual([201, 101, 1, 201, 101, 1]);
    const text = await cli(['generate', '--model', odd, '--input', join(dir, 'render.png'), '--out', out('odd.png'), '--width', '64', '--height', '64', '--cache-dir', cacheDir, '--provider', 'cpu', '--steps', '10']);
    expect(text.stdout).toMatch(/note: scheduler steps_offset 0 -> 1/);
    expect(text.stdout).toMatch(/official inversion computed, VAE on the whole canvas/);
  });

  it('gives the same image for the same seed, and the cached re-tune matches a fresh shot', async () => {
    const { model, scheduler } = loaded;
    const source = await readSourceImage(join(dir, 'render.png'));
    const cache = new ShotCache(join(dir, 'inv'));
    const params = { ...DEFAULT_R2R_PARAMS, width: 64, height: 64, tacRatio: 0.6 };
    const schedule = ddimSchedule(scheduler, 50, 0.3);
    const first = await runR2R(model, schedule, { source }, params, { cache });
    const again = await runR2R(model, schedule, { source }, params, { cache });
    const fresh = await runR2R(model, schedule, { source }, params);
    expect([first.inversionCached, again.inversionCached]).toEqual([false, true]);
    // the same settings again: every step comes from the first shot's trajectory
    expect([again.generationStepsReused, again.unetCalls.length]).toEqual([15, 0]);
    expect(Buffer.from(first.image.data).equals(Buffer.from(again.image.data))).toBe(true);
    expect(Buffer.from(first.image.data).equals(Buffer.from(fresh.image.data))).toBe(true);
    // TAC changes the result: it is really wired into the UNet
    const noTac = await runR2R(model, schedule, { source }, { ...params, tacRatio: 0 }, { cache });
    expect(Buffer.from(first.image.data).equals(Buffer.from(noTac.image.data))).toBe(false);
    // a texture lock of 0 everywhere keeps every token's own query and key: the same image as no TAC
    const unlocked = { width: W, height: H, data: new Float32Array(W * H) };
    const locked0 = await runR2R(model, schedule, { source, textureLock: unlocked }, params, { cache });
    expect(Buffer.from(locked0.image.data).equals(Buffer.from(noTac.image.data))).toBe(true);
  });

  it('re-tunes the TAC ratio from the stored trajectory with the bits of a fresh shot, and resumes a cancelled shot', async () => {
    const { model, scheduler } = loaded;
    const source = await readSourceImage(join(dir, 'render.png'));
    const cache = new ShotCache(join(dir, 'traj'));
    const params = { ...DEFAULT_R2R_PARAMS, width: 64, height: 64 };
    const schedule = ddimSchedule(scheduler, 50, 0.3);
    const same = (a: R2RResult, b: R2RResult) => Buffer.from(a.image.data).equals(Buffer.from(b.image.data));
    const batches = (r: { unetCalls: { batch: number }[] }) => r.unetCalls.map((c) => c.batch);
    await runR2R(model, schedule, { source }, params, { cache });
    // TAC 0.9 -> 0.5: 13 TAC steps stored, 7 wanted; steps 1-7 are shared, 8-15 run on batch 2
    const down = await runR2R(model, schedule, { source }, { ...params, tacRatio: 0.5 }, { cache });
    expect([down.generationStepsReused, ...batches(down)]).toEqual([7, ...Array(8).fill(2)]);
    expect(same(down, await runR2R(model, schedule, { source }, { ...params, tacRatio: 0.5 }))).toBe(true);
    // 0.5 -> 0.7: the 7 shared steps, then TAC steps 8-10 on batch 3 and 11-15 on batch 2
    const up = await runR2R(model, schedule, { source }, { ...params, tacRatio: 0.7 }, { cache });
    expect([up.generationStepsReused, ...batches(up)]).toEqual([7, 3, 3, 3, ...Array(5).fill(2)]);
    expect(same(up, await runR2R(model, schedule, { source }, { ...params, tacRatio: 0.7 }))).toBe(true);
    // other guidance: a trajectory of its own
    const g5 = await runR2R(model, schedule, { source }, { ...params, tacRatio: 0.7, guidance: 5 }, { cache });
    expect(g5.generationStepsReused).toBe(0);
    expect(same(g5, up)).toBe(false);

    // cancelled after 6 generation steps: running it again starts at step 7 and ends as a fresh shot
    const p3 = { ...params, tacRatio: 0.3 };
    const fresh3 = await runR2R(model, schedule, { source }, p3);
    const retry = new ShotCache(join(dir, 'traj-cancel'));
    const abort = new AbortController();
    const cancelled = runR2R(model, schedule, { source }, p3, { cache: retry, signal: abort.signal, onStep: (e) => e.stage === 'generation' && e.step === 6 && abort.abort() });
    await expect(cancelled).rejects.toThrow();
    const resumed = await runR2R(model, schedule, { source }, p3, { cache: retry });
    expect([resumed.inversionCached, resumed.generationStepsReused, resumed.unetCalls.length]).toEqual([true, 6, 9]);
    expect(same(resumed, fresh3)).toBe(true);
  });

  it('runs the steps after the TAC window as batch 2 with the same bits as the all-batch-3 loop', async () => {
    const { model, scheduler } = loaded;
    const source = await readSourceImage(join(dir, 'render.png'));
    const schedule = ddimSchedule(scheduler, 50, 0.3);
    const empty = await model.encodeText('');
    const lockMask = { width: W, height: H, data: new Float32Array(W * H).map((_, i) => (i % 7) / 6) };
    // the model as the loop sees it; with `asBatch3`, every batch-2 step runs as the loop did before:
    // batch 3 [reference, negative, conditional], the reference row holding the stored inversion
    // latent and the empty prompt, identity tac_qk_source, and rows 2-3 of the result returned
    const wrap = (asBatch3: boolean) => {
      const inversionInputs: Float32Array[] = [];
      const decoded: Float32Array[] = [];
      const batches: number[] = [];
      let step = 0;
      const m: DiffusionModel = {
        id: model.id,
        provider: model.provider,
        latentChannels: model.latentChannels,
        vaeFactor: model.vaeFactor,
        sizeMultiple: model.sizeMultiple,
        scalingFactor: model.scalingFactor,
        supportsTac: model.supportsTac,
        supportsTextureLock: model.supportsTextureLock,
        encodeText: (p) => model.encodeText(p),
        vaeEncode: (x) => model.vaeEncode(x),
        vaeDecode: (x) => {
          decoded.push(Float32Array.from(x.data));
          return model.vaeDecode(x);
        },
        runMs: () => model.runMs(),
        dispose: async () => undefined,
        unet: async (call) => {
          if (call.batch === 1) inversionInputs.push(Float32Array.from(call.latents));
          else step += 1;
          if (call.batch !== 2 || !asBatch3) {
            batches.push(call.batch);
            return model.unet(call);
          }
          // generation step j = step - 1 had the reference latent inv[K - j], inversion call K - j's input
          const per = call.latents.length / 2;
          const latents = new Float32Array(3 * per);
          latents.set(inversionInputs[15 - (step - 1)]!, 0);
          latents.set(call.latents, per);
          const text = new Float32Array(3 * empty.length);
          text.set(empty, 0);
          text.set(call.text, empty.length);
          const lock = call.textureLock ? new Float32Array((3 * call.textureLock.length) / 2) : undefined;
          if (lock) {
            lock.set(call.textureLock!.subarray(0, lock.length / 3), 0);
            lock.set(call.textureLock!, lock.length / 3);
          }
          batches.push(3);
          const eps = await model.unet({ ...call, batch: 3, latents, text, tacQkSource: [0, 1, 2], textureLock: lock });
          return eps.slice(per);
        },
      };
      return { m, decoded, batches };
    };
    for (const [params, lock] of [
      [{ ...DEFAULT_R2R_PARAMS, width: 64, height: 64, tacRatio: 0.5, prompt: 'a photo' }, undefined],
      [{ ...DEFAULT_R2R_PARAMS, width: 64, height: 64, tacRatio: 0.9, guidance: 5 }, lockMask],
    ] as const) {
      const now = wrap(false);
      const before = wrap(true);
      const a = await runR2R(now.m, schedule, { source, textureLock: lock }, params);
      const b = await runR2R(before.m, schedule, { source, textureLock: lock }, params);
      const tacSteps = Math.floor(15 * params.tacRatio);
      expect(now.batches).toEqual([...Array(15).fill(1), ...Array(tacSteps).fill(3), ...Array(15 - tacSteps).fill(2)]);
      expect(before.batches).toEqual([...Array(15).fill(1), ...Array(15).fill(3)]);
      expect(a.sampleEvaluations).toBe(15 + 3 * tacSteps + 2 * (15 - tacSteps));
      // the final latent, before the VAE, bit for bit
      expect(Buffer.from(now.decoded[0]!.buffer).equals(Buffer.from(before.decoded[0]!.buffer))).toBe(true);
      expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    }
  });

  it('keeps pixels outside the edit mask bit-identical to the source, alpha included', async () => {
    const mask: number[] = [];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) mask.push(x >= 24 && y >= 16 && y < 48 ? 255 : 0);
    writeFileSync(join(dir, 'mask.png'), encodePng({ width: W, height: H, colour: 'grey', depth: 8, samples: mask }));
    const src = await readSourceImage(join(dir, 'render-alpha.png'));
    const editMask = await readMask(join(dir, 'mask.png'), W, H);
    await runR2R(loaded.model, ddimSchedule(loaded.scheduler, 50, 0.3), { source: src, editMask }, { ...DEFAULT_R2R_PARAMS, width: 64, height: 64 }, { outputPath: out('m.png') });
    const res = await readSourceImage(out('m.png'));
    expect(res.channels).toBe(4);
    let changed = 0;
    for (let i = 0; i < W * H; i++) {
      for (let c = 0; c < 4; c++) {
        if (mask[i] === 0 || c === 3) expect(res.data[i * 4 + c]).toBe(src.data[i * 4 + c]);
        else if (res.data[i * 4 + c] !== src.data[i * 4 + c]) changed += 1;
      }
    }
    expect(changed).toBeGreaterThan(100);
  });

  it('stops within one UNet call when cancelled and writes nothing', async () => {
    const ac = new AbortController();
    const { model, scheduler } = loaded;
    let calls = 0;
    let callsWhenAborted = -1;
    const unet = model.unet.bind(model);
    const counting = Object.assign(Object.create(Object.getPrototypeOf(model)), model, {
      unet: async (c: Parameters<typeof model.unet>[0]) => {
        calls += 1;
        // abort from outside while this call runs
        if (calls === 20) {
          setImmediate(() => ac.abort());
          callsWhenAborted = calls;
        }
        return unet(c);
      },
    });
    const source = await readSourceImage(join(dir, 'render.png'));
    const p = runR2R(counting, ddimSchedule(scheduler, 50, 0.3), { source }, { ...DEFAULT_R2R_PARAMS, width: 64, height: 64 }, { signal: ac.signal, outputPath: out('cancelled.png') });
    await expect(p).rejects.toThrow(/abort/i);
    expect(calls - callsWhenAborted).toBeLessThanOrEqual(1);
    expect(existsSync(out('cancelled.png'))).toBe(false);
  });

  it('uses a negative domain embedding through the adapted text encoder', async () => {
    writeFileSync(join(dir, 'neg.safetensors'), safetensors('emb_params', 2, 768, 5));
    const r = await cli([...base(join(dir, 'render.png'), out('neg.png')), '--negative-embedding', join(dir, 'neg.safetensors')]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.negative.prompt).toBe('<neg>');
    const plain = await cli([...base(join(dir, 'render.png'), out('plain.png'))]);
    expect(plain.code).toBe(0);
    const a = await readSourceImage(out('neg.png'));
    const b = await readSourceImage(out('plain.png'));
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(false);
  });

  it('tiles the VAE on a larger canvas and runs an fp16 export', async () => {
    const source = await readSourceImage(join(dir, 'render.png'));
    const params = { ...DEFAULT_R2R_PARAMS, width: 128, height: 128, steps: 10 };
    const tiled = await runR2R(loaded.model, ddimSchedule(loaded.scheduler, 10, 0.3), { source }, { ...params, vaeTiles: { tile: 64, overlap: 16 } });
    const whole = await runR2R(loaded.model, ddimSchedule(loaded.scheduler, 10, 0.3), { source }, params);
    expect([tiled.image.width, tiled.image.height]).toEqual([W, H]);
    // the tiled path really ran: tiles see less context (group-norm statistics, attention), so the
    // random-weight VAE gives another image; exactness of the blending is tested on local operations
    expect(tiled.modelTimings.encode).toBeGreaterThan(0);
    expect([tiled.vae, whole.vae]).toEqual(['VAE in 64 px tiles overlapping by 16 px, blended linearly', 'VAE on the whole canvas']);
    expect(Buffer.from(tiled.image.data).equals(Buffer.from(whole.image.data))).toBe(false);

    writeDemoModel(join(dir, 'tiny16'), { seed: 3, fp16: true });
    const half = await loadR2RModel(join(dir, 'tiny16'), { cacheDir, provider: 'cpu' });
    try {
      const res = await runR2R(half.model, ddimSchedule(half.scheduler, 10, 0.3), { source }, { ...DEFAULT_R2R_PARAMS, width: 64, height: 64, steps: 10 });
      // K = 3, int(3 x 0.9) = 2 TAC steps
      expect(res.unetCalls.map((c) => c.batch)).toEqual([1, 1, 1, 3, 3, 2]);
      expect(res.image.data.length).toBe(W * H * 3);
    } finally {
      await half.model.dispose();
    }
  });

  it('runs the plain txt2img mode from the same command', async () => {
    const r = await cli(['generate', '--mode', 'txt2img', '--model', modelDir, '--out', out('t2i.png'), '--width', '64', '--height', '64', '--steps', '3', '--seed', '7', '--cache-dir', cacheDir, '--provider', 'cpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect([report.mode, report.seed, report.unet.sampleEvaluations]).toEqual(['txt2img', 7, 6]);
    expect(existsSync(out('t2i.png'))).toBe(true);
  });

  it('refuses bad inputs with a clear message and writes no output file', async () => {
    writeFileSync(join(dir, 'sd2.safetensors'), safetensors('emb_params', 1, 1024, 6));
    writeFileSync(join(dir, 'corrupt.png'), Buffer.from('\x89PNG\r\n\x1a\n not really'));
    writeFileSync(join(dir, 'bomb.png'), pngClaimingSize(50000, 40000));
    const cases: [string[], RegExp][] = [
      [base(join(dir, 'corrupt.png'), out('bad1.png')), /input image .*corrupt\.png is not a readable image/],
      [base(join(dir, 'bomb.png'), out('bad2.png')), /50000x40000 = 2000\.0 megapixels, over the limit/],
      [[...base(join(dir, 'render.png'), out('bad3.png')).map((a) => (a === modelDir ? join(dir, 'broken') : a))], /vae_encoder\/model\.onnx is missing: the model folder has no vae_encoder/],
      [[...base(join(dir, 'render.png'), out('bad6.png')).map((a) => (a === modelDir ? join(dir, 'no-scheduler') : a))], /is missing scheduler\/scheduler_config\.json/],
      [[...base(join(dir, 'render.png'), out('bad4.png')), '--width', '100'], /width 100 is not a positive multiple of 32/],
      [base(join(dir, 'render.png'), join(dir, 'nowhere', 'x.png')), /output folder .* does not exist/],
      [[...base(join(dir, 'render.png'), out('bad5.png')), '--negative-embedding', join(dir, 'sd2.safetensors')], /vectors are 1024 wide but the text encoder's are 768/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect(readdirSync(join(dir, 'out')).filter((f) => f.startsWith('bad'))).toEqual([]);
  });
});
