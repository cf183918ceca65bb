import { describe, expect, it } from 'vitest';
import type { SourceImage } from '../../../main/inference/image/source-image';
import { ddimSchedule, type InversionOrder } from '../../../main/inference/pipelines/ddim-schedule';
import { DEFAULT_R2R_PARAMS, runR2R, type R2RParams } from '../../../main/inference/pipelines/r2r';
import { parseSchedulerConfig } from '../../../main/inference/schedulers/scheduler-config';
import { FakeModel, fakeSchedule } from './fake-model';

// SD 1.5's scheduler_config.json as optimum exports it (steps_offset 1, set_alpha_to_one false)
const sd15 = parseSchedulerConfig({
  _class_name: 'PNDMScheduler',
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  clip_sample: false,
});

/** alphas_cumprod in float64, written out independently of the engine's noise schedule */
function alphasCumprod64(): number[] {
  const a = Math.sqrt(0.00085);
  const b = Math.sqrt(0.012);
  let prod = 1;
  return Array.from({ length: 1000 }, (_, i) => {
    const beta = (a + ((b - a) * i) / 999) ** 2;
    prod *= 1 - beta;
    return prod;
  });
}
const alphas = alphasCumprod64();
// set_alpha_to_one false: below timestep 0 the clean end is alphas_cumprod[0]
const alphaAt = (t: number) => (t >= 0 ? alphas[t]! : alphas[0]!);

/**
 * FashionR2R's next_step (utils/diffuser_utils.py): from the latent taken to be at t - 20
 * (1000 // 50) to the latent at t, in float64. The fake UNet's noise for the empty prompt is 0.1 x.
 */
function nextStep(x: Float32Array, t: number): Float64Array {
  const aFrom = alphaAt(Math.min(t - 20, 999));
  const aTo = alphas[t]!;
  return Float64Array.from(x, (v) => {
    const eps = Math.fround(0.1 * v);
    const x0 = (v - Math.sqrt(1 - aFrom) * eps) / Math.sqrt(aFrom);
    return Math.sqrt(aTo) * x0 + Math.sqrt(1 - aTo) * eps;
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const W = 64;
const H = 64;
function source(): SourceImage {
  const data = new Uint8Array(W * H * 3).map((_, i) => (i * 29 + (i >> 6) * 7) % 256);
  return { path: 'mem', width: W, height: H, channels: 3, depth: 8, grey: false, data, format: 'raw' };
}
const per = 4 * (W / 8) * (H / 8);
const descending = Array.from({ length: 15 }, (_, i) => 281 - 20 * i);

async function shot(order: InversionOrder, extra: Partial<R2RParams> = {}) {
  const model = new FakeModel();
  const params: R2RParams = { ...DEFAULT_R2R_PARAMS, width: W, height: H, inversion: order, ...extra };
  const res = await runR2R(model, ddimSchedule(sd15, 50, 0.3, order), { source: source() }, params);
  return { model, res };
}

describe('inversion order', () => {
  it('defaults to the official order', () => {
    expect(DEFAULT_R2R_PARAMS.inversion).toBe('official');
    expect(ddimSchedule(sd15, 50, 0.3).inversionOrder).toBe('official');
  });

  it('official: the UNet sees t = 281, 261, ..., 1 during inversion and each step is next_step from t - 20 to t', async () => {
    const { model, res } = await shot('official');
    expect(res.inversion).toBe('official');
    const inv = model.calls.slice(0, 15);
    expect(inv.map((c) => c.timestep)).toEqual(descending);
    // the latent entering call i + 1 is next_step of the latent entering call i, at call i's timestep
    for (let i = 0; i < 14; i++) expect(maxAbsDiff(inv[i + 1]!.latents, nextStep(inv[i]!.latents, descending[i]!))).toBeLessThan(1e-5);
    // the first step takes x0 as the latent at 261 and lifts it to 281: a large change, not a no-op
    expect(maxAbsDiff(inv[1]!.latents, inv[0]!.latents)).toBeGreaterThan(1e-3);
  });

  it('ddim: the UNet sees t = 1, 21, ..., 281 during inversion, each step the same next_step', async () => {
    const { model, res } = await shot('ddim');
    expect(res.inversion).toBe('ddim');
    const inv = model.calls.slice(0, 15);
    const ascending = [...descending].reverse();
    expect(inv.map((c) => c.timestep)).toEqual(ascending);
    for (let i = 0; i < 14; i++) expect(maxAbsDiff(inv[i + 1]!.latents, nextStep(inv[i]!.latents, ascending[i]!))).toBeLessThan(1e-5);
    // generation always descends 281 ... 1
    expect(model.calls.slice(15).map((c) => c.timestep)).toEqual(descending);
  });

  for (const order of ['official', 'ddim'] as const) {
    it(`${order}: generation step j's reference row is stored latent K - j, and step 0 starts from the last one`, async () => {
      const { model } = await shot(order);
      const inv = model.calls.slice(0, 15);
      const gen = model.calls.slice(15);
      const last = nextStep(inv[14]!.latents, inv[14]!.timestep);
      expect(maxAbsDiff(gen[0]!.latents.subarray(0, per), last)).toBeLessThan(1e-5);
      expect(maxAbsDiff(gen[0]!.latents.subarray(per, 2 * per), last)).toBeLessThan(1e-5);
      for (let j = 1; j < 13; j++) expect(Array.from(gen[j]!.latents.subarray(0, per))).toEqual(Array.from(inv[15 - j]!.latents));
    });
  }

  it('generation steps as the reference code\'s step: from t to t - 20, the clean end below 0', async () => {
    // no TAC and an empty negative: both rows hold the same latent and the guided noise is 0.1 x
    const { model, res } = await shot('official', { tacRatio: 0 });
    const gen = model.calls.slice(15);
    for (let j = 0; j < 14; j++) {
      const t = descending[j]!;
      const aT = alphas[t]!;
      const aPrev = alphaAt(t - 20);
      const x = gen[j]!.latents.subarray(0, per);
      const expected = Float64Array.from(x, (v) => {
        const eps = Math.fround(0.1 * v);
        return Math.sqrt(aPrev) * ((v - Math.sqrt(1 - aT) * eps) / Math.sqrt(aT)) + Math.sqrt(1 - aPrev) * eps;
      });
      expect(maxAbsDiff(gen[j + 1]!.latents.subarray(0, per), expected)).toBeLessThan(1e-5);
    }
    expect(res.tacSteps).toBe(0);
  });

  it('the two orders store different reference latents (the fake UNet is linear, so only the real model shows different shots)', async () => {
    const a = await shot('official');
    const b = await shot('ddim');
    const refA = a.model.calls.slice(16, 28).map((c) => c.latents.subarray(0, per));
    const refB = b.model.calls.slice(16, 28).map((c) => c.latents.subarray(0, per));
    for (let j = 0; j < refA.length; j++) expect(maxAbsDiff(refA[j]!, refB[j]!)).toBeGreaterThan(1e-4);
  });

  it('refuses a schedule built for the other order, and an unknown order as a user error', async () => {
    const model = new FakeModel();
    const params: R2RParams = { ...DEFAULT_R2R_PARAMS, width: W, height: H, inversion: 'ddim' };
    await expect(runR2R(model, fakeSchedule(50, 0.3, 'official'), { source: source() }, params)).rejects.toThrow(/official order/);
    await expect(runR2R(model, fakeSchedule(50, 0.3), { source: source() }, { ...params, inversion: 'upward' as InversionOrder })).rejects.toMatchObject({ code: 'bad-option' });
  });
});
