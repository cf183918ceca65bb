import { describe, expect, it } from 'vitest';
import { DdimScheduler } from '../../../main/inference/schedulers/ddim';
import { DdimInverseScheduler } from '../../../main/inference/schedulers/ddim-inverse';
import type { DdimConfig } from '../../../main/inference/schedulers/scheduler-config';
import { absSumMean, dummyModel, dummyNoiseDeter, dummySampleDeter } from './diffusers-reference';

// get_scheduler_config of diffusers' test_scheduler_ddim.py and test_scheduler_ddim_inverse.py
const base: Partial<DdimConfig> = { numTrainTimesteps: 1000, betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', clipSample: true };

function ddimFullLoop(config: Partial<DdimConfig> = {}): Float32Array {
  const scheduler = new DdimScheduler({ ...base, ...config });
  scheduler.setTimesteps(10);
  let sample = dummySampleDeter();
  for (const t of scheduler.timesteps) sample = scheduler.step(dummyModel(sample, t), t, sample, { eta: 0 }).prevSample;
  return sample;
}

function inverseFullLoop(config: Partial<DdimConfig> = {}): Float32Array {
  const scheduler = new DdimInverseScheduler({ ...base, ...config });
  scheduler.setTimesteps(10);
  let sample = dummySampleDeter();
  for (const t of scheduler.timesteps) sample = scheduler.step(dummyModel(sample, t), t, sample).prevSample;
  return sample;
}

// golden sums and means, and their tolerances, from diffusers' tests
describe('DDIMScheduler against diffusers test_scheduler_ddim.py', () => {
  it('full loop without noise', () => {
    const { sum, mean } = absSumMean(ddimFullLoop());
    expect(Math.abs(sum - 172.0067)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.223967)).toBeLessThan(1e-3);
  });

  it('full loop with v_prediction', () => {
    const { sum, mean } = absSumMean(ddimFullLoop({ predictionType: 'v_prediction' }));
    expect(Math.abs(sum - 52.5302)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.0684)).toBeLessThan(1e-3);
  });

  it('full loop with set_alpha_to_one', () => {
    const { sum, mean } = absSumMean(ddimFullLoop({ setAlphaToOne: true, betaStart: 0.01 }));
    expect(Math.abs(sum - 149.8295)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.1951)).toBeLessThan(1e-3);
  });

  it('full loop without set_alpha_to_one', () => {
    const { sum, mean } = absSumMean(ddimFullLoop({ setAlphaToOne: false, betaStart: 0.01 }));
    expect(Math.abs(sum - 149.0784)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.1941)).toBeLessThan(1e-3);
  });

  it('full loop with noise added at t_start 8', () => {
    const scheduler = new DdimScheduler(base);
    scheduler.setTimesteps(10);
    const timesteps = scheduler.timesteps.slice(8);
    let sample = scheduler.addNoise(dummySampleDeter(), dummyNoiseDeter(), timesteps[0]!);
    for (const t of timesteps) sample = scheduler.step(dummyModel(sample, t), t, sample, { eta: 0 }).prevSample;
    const { sum, mean } = absSumMean(sample);
    expect(Math.abs(sum - 354.5418)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.4616)).toBeLessThan(1e-3);
  });

  it('variance of formula (16)', () => {
    const s = new DdimScheduler(base);
    expect(Math.abs(s.variance(0, 0) - 0)).toBeLessThan(1e-5);
    expect(Math.abs(s.variance(420, 400) - 0.14771)).toBeLessThan(1e-5);
    expect(Math.abs(s.variance(980, 960) - 0.3246)).toBeLessThan(1e-5);
    expect(Math.abs(s.variance(487, 486) - 0.00979)).toBeLessThan(1e-5);
    expect(Math.abs(s.variance(999, 998) - 0.02)).toBeLessThan(1e-5);
  });

  it('steps_offset shifts leading timesteps', () => {
    const s = new DdimScheduler({ ...base, stepsOffset: 1 });
    s.setTimesteps(5);
    expect(s.timesteps).toEqual([801, 601, 401, 201, 1]);
  });

  it('spaces timesteps as numpy does (leading, trailing, linspace)', () => {
    const leading = new DdimScheduler(base);
    leading.setTimesteps(10);
    expect(leading.timesteps).toEqual([900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
    const trailing = new DdimScheduler({ ...base, timestepSpacing: 'trailing' });
    trailing.setTimesteps(10);
    expect(trailing.timesteps).toEqual([999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
    trailing.setTimesteps(7); // np.round(np.arange(1000, 0, -1000/7)) - 1
    expect(trailing.timesteps).toEqual([999, 856, 713, 570, 428, 285, 142]);
    const linspace = new DdimScheduler({ ...base, timestepSpacing: 'linspace' });
    linspace.setTimesteps(50); // np.linspace(0, 999, 50).round()[::-1]
    expect(linspace.timesteps.slice(0, 6)).toEqual([999, 979, 958, 938, 917, 897]);
    expect(linspace.timesteps.at(-1)).toBe(0);
  });

  it('eta > 0 adds sigma_t times the given noise', () => {
    const s = new DdimScheduler(base);
    s.setTimesteps(10);
    const sample = dummySampleDeter();
    const noise = dummyNoiseDeter();
    const out = dummyModel(sample, 500);
    const plain = s.step(out, 500, sample, { eta: 0 }).prevSample;
    const noisy = s.step(out, 500, sample, { eta: 1, varianceNoise: noise }).prevSample;
    // with eta the direction term shrinks to sqrt(1 - a_prev - sigma^2): check one element by hand
    const a = s.alphasCumprod[500]!;
    const ap = s.alphasCumprod[400]!;
    const sigma = Math.sqrt(s.variance(500, 400));
    const x0 = Math.max(-1, Math.min(1, (sample[7]! - Math.sqrt(1 - a) * out[7]!) / Math.sqrt(a)));
    const expected = Math.sqrt(ap) * x0 + Math.sqrt(1 - ap - sigma * sigma) * out[7]! + sigma * noise[7]!;
    expect(noisy[7]).toBeCloseTo(expected, 5);
    expect(noisy[7]).not.toBeCloseTo(plain[7]!, 3);
    expect(() => s.step(out, 500, sample, { eta: 0.5 })).toThrow(/varianceNoise/);
  });

  it('gives the same step on the unclipped epsilon path as on the general one', () => {
    const fast = new DdimScheduler({ ...base, clipSample: false });
    const general = new DdimScheduler({ ...base, clipSample: true, clipSampleRange: 1e9 });
    fast.setTimesteps(10);
    general.setTimesteps(10);
    const sample = dummySampleDeter();
    for (const t of [900, 100, 0]) {
      const out = dummyModel(sample, t);
      const a = fast.step(out, t, sample);
      const b = general.step(out, t, sample);
      for (let i = 0; i < sample.length; i++) {
        expect(a.prevSample[i]).toBeCloseTo(b.prevSample[i]!, 5);
        expect(a.predOriginalSample[i]).toBeCloseTo(b.predOriginalSample[i]!, 5);
      }
    }
  });

  it('steps into a given buffer, in place too, with the same bits as step', () => {
    for (const config of [{ ...base, clipSample: false }, base, { ...base, predictionType: 'v_prediction' as const }]) {
      const s = new DdimScheduler(config);
      s.setTimesteps(10);
      const sample = dummySampleDeter();
      for (const t of [900, 100, 0]) {
        const out = dummyModel(sample, t);
        const pure = s.step(out, t, sample);
        const into = new Float32Array(sample.length);
        const x0 = new Float32Array(sample.length);
        expect(s.stepInto(into, out, t, sample, {}, x0)).toBe(into);
        expect(Buffer.from(into.buffer).equals(Buffer.from(pure.prevSample.buffer))).toBe(true);
        expect(Buffer.from(x0.buffer).equals(Buffer.from(pure.predOriginalSample.buffer))).toBe(true);
        const inPlace = Float32Array.from(sample);
        s.stepInto(inPlace, out, t, inPlace);
        expect(Buffer.from(inPlace.buffer).equals(Buffer.from(pure.prevSample.buffer))).toBe(true);
      }
    }
    const s = new DdimScheduler(base);
    s.setTimesteps(10);
    expect(() => s.stepInto(new Float32Array(3), new Float32Array(4), 100, new Float32Array(4))).toThrow(RangeError);
  });

  it('gives the golden full loop when stepping in place', () => {
    const scheduler = new DdimScheduler(base);
    scheduler.setTimesteps(10);
    const sample = dummySampleDeter();
    for (const t of scheduler.timesteps) scheduler.stepInto(sample, dummyModel(sample, t), t, sample, { eta: 0 });
    const { sum, mean } = absSumMean(sample);
    expect(Math.abs(sum - 172.0067)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.223967)).toBeLessThan(1e-3);
  });

  it('refuses to step before setTimesteps and outside the schedule', () => {
    const s = new DdimScheduler(base);
    const x = new Float32Array(4);
    expect(() => s.step(x, 10, x)).toThrow(/setTimesteps/);
    s.setTimesteps(10);
    expect(() => s.step(x, 1000, x)).toThrow(RangeError);
    expect(() => s.setTimesteps(0)).toThrow(/steps/);
    expect(() => s.setTimesteps(1001)).toThrow(/steps/);
  });
});

describe('DDIMInverseScheduler against diffusers test_scheduler_ddim_inverse.py', () => {
  it('full loop without noise', () => {
    const { sum, mean } = absSumMean(inverseFullLoop());
    expect(Math.abs(sum - 671.6816)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.8746)).toBeLessThan(1e-3);
  });

  it('full loop with v_prediction', () => {
    const { sum, mean } = absSumMean(inverseFullLoop({ predictionType: 'v_prediction' }));
    expect(Math.abs(sum - 1394.2185)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 1.8154)).toBeLessThan(1e-3);
  });

  it('full loop with set_alpha_to_one', () => {
    const { sum, mean } = absSumMean(inverseFullLoop({ setAlphaToOne: true, betaStart: 0.01 }));
    expect(Math.abs(sum - 539.9622)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.7031)).toBeLessThan(1e-3);
  });

  it('full loop without set_alpha_to_one', () => {
    const { sum, mean } = absSumMean(inverseFullLoop({ setAlphaToOne: false, betaStart: 0.01 }));
    expect(Math.abs(sum - 542.6722)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.7066)).toBeLessThan(1e-3);
  });

  it('steps into a given buffer, in place too, with the same bits as step', () => {
    const s = new DdimInverseScheduler({ ...base, clipSample: false });
    s.setTimesteps(10);
    const sample = dummySampleDeter();
    for (const t of [0, 100, 900]) {
      const out = dummyModel(sample, t);
      const pure = s.step(out, t, sample).prevSample;
      const inPlace = Float32Array.from(sample);
      expect(s.stepInto(inPlace, out, t, inPlace)).toBe(inPlace);
      expect(Buffer.from(inPlace.buffer).equals(Buffer.from(pure.buffer))).toBe(true);
    }
  });

  it('steps_offset shifts ascending timesteps', () => {
    const s = new DdimInverseScheduler({ ...base, stepsOffset: 1 });
    s.setTimesteps(5);
    expect(s.timesteps).toEqual([1, 201, 401, 601, 801]);
  });

  it('walks all train timesteps ascending before setTimesteps, and refuses to step until it is called', () => {
    const s = new DdimInverseScheduler(base);
    expect(s.timesteps.length).toBe(1000);
    expect(s.timesteps.slice(0, 3)).toEqual([0, 1, 2]);
    expect(s.timesteps.at(-1)).toBe(999);
    const x = new Float32Array(4);
    expect(() => s.step(x, 10, x)).toThrow(/setTimesteps before stepping the DDIM inverse scheduler/);
    expect(new DdimScheduler(base).timesteps.slice(0, 2)).toEqual([999, 998]);
  });

  it('trailing spacing is the forward trailing timesteps reversed', () => {
    const s = new DdimInverseScheduler({ ...base, timestepSpacing: 'trailing' });
    s.setTimesteps(10);
    expect(s.timesteps).toEqual([99, 199, 299, 399, 499, 599, 699, 799, 899, 999]);
  });
});

describe('inversion then generation', () => {
  it('returns to the clean latent when the noise prediction does not change', () => {
    // DDIM is invertible exactly when eps does not depend on x: a fixed eps per element
    for (const predictionType of ['epsilon', 'v_prediction'] as const) {
      const config: Partial<DdimConfig> = { betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012, clipSample: false, setAlphaToOne: false, predictionType };
      const inverse = new DdimInverseScheduler(config);
      const forward = new DdimScheduler(config);
      inverse.setTimesteps(50);
      forward.setTimesteps(50);
      const clean = dummySampleDeter();
      const eps = dummyNoiseDeter();
      // for v_prediction feed the v that corresponds to the fixed eps at each (x, t)
      const asOutput = (x: Float32Array, alpha: number): Float32Array =>
        predictionType === 'epsilon' ? eps : x.map((xi, i) => { const x0 = (xi - Math.sqrt(1 - alpha) * eps[i]!) / Math.sqrt(alpha); return Math.sqrt(alpha) * eps[i]! - Math.sqrt(1 - alpha) * x0; });
      let x = clean;
      for (const t of inverse.timesteps.slice(0, 15)) {
        const from = inverse.sourceTimestep(t);
        x = inverse.step(asOutput(x, from >= 0 ? inverse.alphasCumprod[from]! : inverse.cleanAlphaCumprod), t, x).prevSample;
      }
      for (const t of forward.timesteps.slice(35)) x = forward.step(asOutput(x, forward.alphasCumprod[t]!), t, x).prevSample;
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - clean[i]!));
      expect(worst).toBeLessThan(1e-4);
    }
  });
});
