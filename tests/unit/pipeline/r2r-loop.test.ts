import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../../main/common/errors';
import type { SourceImage } from '../../../main/inference/image/source-image';
import { ShotCache } from '../../../main/inference/pipelines/shot-cache';
import { DEFAULT_R2R_PARAMS, runR2R, type R2RParams } from '../../../main/inference/pipelines/r2r';
import { FakeModel, fakeSchedule } from './fake-model';

const dir = mkdtempSync(join(tmpdir(), 'r2r-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const W = 64;
const H = 64;
function source(): SourceImage {
  const data = new Uint8Array(W * H * 3).map((_, i) => (i * 37 + (i >> 7) * 11) % 256);
  return { path: 'mem', width: W, height: H, channels: 3, depth: 8, grey: false, data, format: 'raw' };
}
const params: R2RParams = { ...DEFAULT_R2R_PARAMS, width: W, height: H, negative: 'rendered', previewEvery: 5 };

describe('the R2R loop', () => {
  it('runs K batch-1 inversion calls, batch 3 through the TAC window, then batch 2: 58 sample-evaluations against 90', async () => {
    const model = new FakeModel();
    const events: string[] = [];
    let previews = 0;
    const res = await runR2R(model, fakeSchedule(50, 0.3), { source: source() }, params, {
      onStep: (e) => {
        events.push(`${e.stage}:${e.step}/${e.total}`);
        if (e.preview) previews += 1;
      },
    });
    expect(res.k).toBe(15);
    expect(res.unetCalls.map((c) => c.batch)).toEqual([...Array(15).fill(1), ...Array(13).fill(3), 2, 2]);
    expect(res.sampleEvaluations).toBe(15 + 13 * 3 + 2 * 2);
    expect(res.referenceSampleEvaluations).toBe(90);
    expect(res.sampleEvaluations / res.referenceSampleEvaluations).toBeLessThanOrEqual(2 / 3);
    // the official inversion walks t = 281, 261, ..., 1 as get_timesteps returns them; generation walks the same
    const descending = Array.from({ length: 15 }, (_, i) => 281 - i * 20);
    expect(model.calls.slice(0, 15).map((c) => c.timestep)).toEqual(descending);
    expect(model.calls.slice(15).map((c) => c.timestep)).toEqual(descending);
    // TAC for int(15 * 0.9) = 13 steps: the conditional row takes the reference row's Q/K
    expect(res.tacSteps).toBe(13);
    expect(model.calls.slice(15).map((c) => c.tacQkSource!.join(''))).toEqual([...Array(13).fill('010'), '01', '01']);
    expect(events.filter((e) => e.startsWith('generation')).length).toBe(15);
    expect(previews).toBe(3);
    expect(res.image.width).toBe(W);
  });

  it('replays the stored inversion latents in the reference row and starts from the last one', async () => {
    const model = new FakeModel();
    await runR2R(model, fakeSchedule(50, 0.3), { source: source() }, params);
    const per = 4 * 8 * 8;
    // inversion input i is latent i; after the last inversion step comes latent K
    const inv = model.calls.slice(0, 15).map((c) => c.latents);
    const gen = model.calls.slice(15);
    for (let j = 1; j < 13; j++) expect(Array.from(gen[j]!.latents.subarray(0, per))).toEqual(Array.from(inv[15 - j]!));
    // step 0: all three rows hold latent K
    expect(Array.from(gen[0]!.latents.subarray(per, 2 * per))).toEqual(Array.from(gen[0]!.latents.subarray(0, per)));
    // rows' texts: [empty, negative, prompt]
    const tv = (c: (typeof gen)[number], row: number) => c.text[row * 32];
    expect([tv(gen[0]!, 0), tv(gen[0]!, 1), tv(gen[0]!, 2)]).toEqual([0, FakeModel.textValue('rendered'), 0].map((v) => Math.fround(v)));
  });

  it('after the TAC window runs [negative, conditional] on the current latent, as rows 2 and 3 of the batch before', async () => {
    const model = new FakeModel();
    await runR2R(model, fakeSchedule(50, 0.3), { source: source() }, { ...params, prompt: 'photo' });
    const per = 4 * 8 * 8;
    const gen = model.calls.slice(15);
    const tv = (c: (typeof gen)[number], row: number) => c.text[row * 32];
    for (const j of [13, 14]) {
      const c = gen[j]!;
      expect([c.batch, c.timestep]).toEqual([2, 281 - j * 20]);
      expect([tv(c, 0), tv(c, 1)]).toEqual([FakeModel.textValue('rendered'), FakeModel.textValue('photo')].map((v) => Math.fround(v)));
      expect(Array.from(c.latents.subarray(0, per))).toEqual(Array.from(c.latents.subarray(per)));
    }
    // the latent carried into the first batch-2 step is the one the last batch-3 step led to
    const last3 = gen[12]!;
    const x = last3.latents.subarray(per, 2 * per);
    const g = params.guidance;
    const n = Math.fround(FakeModel.textValue('rendered'));
    const c = Math.fround(FakeModel.textValue('photo'));
    for (const i of [0, 7, per - 1]) {
      const en = Math.fround(n + 0.1 * x[i]!);
      const ec = Math.fround(c + 0.1 * x[i]!);
      expect(gen[13]!.latents[i]).toBeCloseTo(x[i]! - (en + g * (ec - en)) / 100, 5);
    }
    // without TAC every generation step is batch 2
    const off = new FakeModel();
    const res = await runR2R(off, fakeSchedule(50, 0.3), { source: source() }, { ...params, tacRatio: 0 });
    expect(res.unetCalls.map((u) => u.batch)).toEqual([...Array(15).fill(1), ...Array(15).fill(2)]);
    expect(res.sampleEvaluations).toBe(45);
  });

  it('guides with eps(neg) + g * (eps(cond) - eps(neg))', async () => {
    const model = new FakeModel();
    const g = 3;
    await runR2R(model, fakeSchedule(10, 0.3), { source: source() }, { ...params, steps: 10, guidance: g, prompt: 'photo', negative: 'render', tacRatio: 0 });
    const first = model.calls[3]!;
    const second = model.calls[4]!;
    const per = 4 * 8 * 8;
    const n = Math.fround(FakeModel.textValue('render'));
    const c = Math.fround(FakeModel.textValue('photo'));
    const x0 = first.latents[per]!;
    // the fake unet gives eps = text + 0.1 x for both rows; the fake step is x - eps / 100
    const guided = n + 0.1 * x0 + g * (c - n);
    expect(second.latents[per]!).toBeCloseTo(x0 - guided / 100, 5);
  });

  it('cancels within one UNet call and writes nothing', async () => {
    const model = new FakeModel();
    const ac = new AbortController();
    model.during = (_c, i) => {
      if (i === 17) ac.abort();
    };
    const out = join(dir, 'cancelled.png');
    await expect(runR2R(model, fakeSchedule(50, 0.3), { source: source() }, params, { signal: ac.signal, outputPath: out })).rejects.toThrow();
    expect(model.calls.length).toBe(18);
    expect(existsSync(out)).toBe(false);
  });

  it('gives the same image for the same parameters and seed', async () => {
    const a = await runR2R(new FakeModel(), fakeSchedule(50, 0.3), { source: source() }, params);
    const b = await runR2R(new FakeModel(), fakeSchedule(50, 0.3), { source: source() }, params);
    expect(Buffer.compare(Buffer.from(a.image.data), Buffer.from(b.image.data))).toBe(0);
  });

  it('reuses a cached inversion when only TAC, guidance or prompts change, with the same result as a fresh shot', async () => {
    const cache = new ShotCache(join(dir, 'cache'));
    const first = new FakeModel();
    const r1 = await runR2R(first, fakeSchedule(50, 0.3), { source: source() }, params, { cache });
    expect(r1.inversionCached).toBe(false);
    const retuned = { ...params, tacRatio: 0.5, guidance: 5, prompt: 'a photo' };
    const second = new FakeModel();
    const r2 = await runR2R(second, fakeSchedule(50, 0.3), { source: source() }, retuned, { cache });
    expect(r2.inversionCached).toBe(true);
    expect(second.encodes).toBe(0);
    // int(15 x 0.5) = 7 TAC steps on batch 3, the other 8 on batch 2
    expect(r2.unetCalls.map((c) => c.batch)).toEqual([...Array(7).fill(3), ...Array(8).fill(2)]);
    const fresh = await runR2R(new FakeModel(), fakeSchedule(50, 0.3), { source: source() }, retuned);
    expect(Buffer.compare(Buffer.from(r2.image.data), Buffer.from(fresh.image.data))).toBe(0);
    // a different strength is a different inversion
    const r3 = await runR2R(new FakeModel(), fakeSchedule(50, 0.4), { source: source() }, { ...params, strength: 0.4 }, { cache });
    expect(r3.inversionCached).toBe(false);
  });

  it('keeps pixels outside the edit mask bit-identical and steers the latent back to the inversion there', async () => {
    const src = source();
    const mask = { width: W, height: H, data: new Float32Array(W * H).map((_, i) => (i % W >= 32 ? 1 : 0)) };
    const model = new FakeModel();
    const res = await runR2R(model, fakeSchedule(50, 0.3), { source: src, editMask: mask }, { ...params, featherPx: 4 }, { outputPath: join(dir, 'masked.png') });
    let changed = 0;
    for (let i = 0; i < W * H; i++) {
      for (let c = 0; c < 3; c++) {
        if (i % W < 32) expect(res.image.data[i * 3 + c]).toBe(src.data[i * 3 + c]);
        else if (res.image.data[i * 3 + c] !== src.data[i * 3 + c]) changed += 1;
      }
    }
    expect(changed).toBeGreaterThan(1000);
    // the final latent's left half is the encoded image (inversion latent 0)
    const final = model.decoded[0]!;
    const lat0 = model.calls[0]!.latents;
    for (let y = 0; y < 8; y++) for (let x = 0; x < 4; x++) expect(final[y * 8 + x]! * 0.5).toBeCloseTo(lat0[y * 8 + x]!, 5);
    expect(readdirSync(dir)).toContain('masked.png');
  });

  it('names the component that produced NaN and writes no file', async () => {
    const model = new FakeModel();
    model.nanFrom = 20;
    const out = join(dir, 'nan.png');
    const err = await runR2R(model, fakeSchedule(50, 0.3), { source: source() }, params, { outputPath: out }).catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('model-not-finite');
    expect((err as Error).message).toMatch(/UNet produced NaN values at timestep 181 \(generation\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('passes the texture-lock mask to every generation call at latent size', async () => {
    const model = new FakeModel();
    const lock = { width: W, height: H, data: new Float32Array(W * H).fill(1) };
    await runR2R(model, fakeSchedule(50, 0.3), { source: source(), textureLock: lock }, params);
    const gen = model.calls.slice(15);
    expect(gen.map((c) => c.textureLock?.length)).toEqual([...Array(13).fill(3 * 64), 2 * 64, 2 * 64]);
    expect(gen.every((c) => c.textureLock!.every((v) => v === 1))).toBe(true);
    const noLock = new FakeModel();
    noLock.supportsTextureLock = false;
    const err = await runR2R(noLock, fakeSchedule(50, 0.3), { source: source(), textureLock: lock }, params).catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('model-no-texture-lock');
  });
});
