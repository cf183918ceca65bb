import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectUserError } from '../support/user-error';
import { DdimScheduler } from '../../../main/inference/schedulers/ddim';
import { parseSchedulerConfig, readSchedulerConfig, DDIM_DEFAULTS } from '../../../main/inference/schedulers/scheduler-config';
import { strengthTimesteps } from '../../../main/inference/schedulers/strength-timesteps';

const tmp = mkdtempSync(path.join(tmpdir(), 'r2r-sched-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// runwayml/stable-diffusion-v1-5 scheduler/scheduler_config.json (a PNDM config)
const sd15 = {
  _class_name: 'PNDMScheduler',
  _diffusers_version: '0.6.0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

// the DDIM scheduler of FashionR2R's reference code (architecture.md)
const reference = { ...parseSchedulerConfig(sd15), stepsOffset: 0 };

describe('scheduler_config.json', () => {
  it('reads an SD 1.5 config, ignoring keys DDIM does not use', () => {
    const c = parseSchedulerConfig(sd15);
    expect(c).toEqual({ ...DDIM_DEFAULTS, betaEnd: 0.012, betaSchedule: 'scaled_linear', betaStart: 0.00085, setAlphaToOne: false, stepsOffset: 1, clipSample: false });
  });

  it('reads the file from a model folder', () => {
    mkdirSync(path.join(tmp, 'm', 'scheduler'), { recursive: true });
    writeFileSync(path.join(tmp, 'm', 'scheduler', 'scheduler_config.json'), JSON.stringify({ ...sd15, prediction_type: 'v_prediction', timestep_spacing: 'trailing' }));
    const c = readSchedulerConfig(path.join(tmp, 'm'));
    expect(c.predictionType).toBe('v_prediction');
    expect(c.timestepSpacing).toBe('trailing');
    expectUserError(() => readSchedulerConfig(path.join(tmp, 'missing')), /scheduler_config\.json/);
  });

  it('names the key and file of a bad value', () => {
    expectUserError(() => parseSchedulerConfig({ beta_schedule: 'cosine' }, 'x/scheduler_config.json'), /x\/scheduler_config\.json: beta_schedule is "cosine"/);
    expectUserError(() => parseSchedulerConfig({ prediction_type: 'flow' }), /prediction_type/);
    expectUserError(() => parseSchedulerConfig({ timestep_spacing: 'karras' }), /timestep_spacing/);
    expectUserError(() => parseSchedulerConfig({ num_train_timesteps: 0 }), /num_train_timesteps/);
    // refused before any table of that size is allocated
    expectUserError(() => parseSchedulerConfig({ num_train_timesteps: 1e9 }), /num_train_timesteps.*from 1 to 100000/);
    expectUserError(() => parseSchedulerConfig({ steps_offset: -1 }), /steps_offset/);
    expectUserError(() => parseSchedulerConfig({ clip_sample: 'no' }), /clip_sample/);
    expectUserError(() => parseSchedulerConfig({ beta_end: 2 }), /beta_end/);
    expectUserError(() => parseSchedulerConfig({ thresholding: true }), /thresholding/);
    expectUserError(() => parseSchedulerConfig([1, 2]), /object/);
    expectUserError(() => parseSchedulerConfig({ trained_betas: [0.1, 0.2], num_train_timesteps: 3 }), /trained_betas/);
  });

  it('builds the scaled_linear schedule of SD (betas linear in sqrt)', () => {
    const s = new DdimScheduler(reference);
    const b0 = 0.00085;
    expect(s.alphasCumprod[0]).toBeCloseTo(1 - b0, 7);
    expect(s.alphasCumprod[1]).toBeCloseTo((1 - b0) * (1 - (Math.sqrt(b0) + (Math.sqrt(0.012) - Math.sqrt(b0)) / 999) ** 2), 7);
    expect(s.cleanAlphaCumprod).toBe(s.alphasCumprod[0]);
  });

  it('builds the squaredcos_cap_v2 (Glide cosine) schedule', () => {
    const s = new DdimScheduler({ betaSchedule: 'squaredcos_cap_v2' });
    const f = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    // the cumulative product telescopes to alpha_bar(t) / alpha_bar(0) while no beta is capped
    expect(s.alphasCumprod[499]).toBeCloseTo(f(0.5) / f(0), 4);
    expect(s.alphasCumprod[998]).toBeCloseTo(f(0.999) / f(0), 5);
  });

  it('rescales to zero terminal SNR', () => {
    const s = new DdimScheduler({ ...reference, rescaleBetasZeroSnr: true });
    expect(s.alphasCumprod[999]).toBe(0);
    expect(s.alphasCumprod[0]).toBeCloseTo(1 - 0.00085, 6);
  });
});

describe('timesteps for a strength (img2img and FashionR2R)', () => {
  it('the bare scheduler with steps_offset 0: 280..0 (the SD pipelines never run this: see sd-pipeline-config.test.ts)', () => {
    const plan = strengthTimesteps(reference, 50, 0.3);
    const expected = Array.from({ length: 15 }, (_, i) => 280 - 20 * i);
    expect(plan.k).toBe(15);
    expect(plan.generation).toEqual(expected);
    expect(plan.inversion).toEqual([...expected].reverse());
    expect(plan.referenceIndex[0]).toBe(15);
    expect(plan.referenceIndex.at(-1)).toBe(1);
  });

  it('steps_offset 1 (the SD 1.5 config) gives 281..1', () => {
    const plan = strengthTimesteps(parseSchedulerConfig(sd15), 50, 0.3);
    expect(plan.generation).toEqual(Array.from({ length: 15 }, (_, i) => 281 - 20 * i));
    expect(plan.inversion[0]).toBe(1);
  });

  it('uses python int() on steps * strength', () => {
    expect(strengthTimesteps(reference, 100, 0.29).k).toBe(28); // 100 * 0.29 = 28.999999999999996
    expect(strengthTimesteps(reference, 10, 0.7).k).toBe(7);
    expect(strengthTimesteps(reference, 50, 1).generation).toHaveLength(50);
  });

  it('agrees with the inverse scheduler for every spacing', async () => {
    const { DdimInverseScheduler } = await import('../../../main/inference/schedulers/ddim-inverse');
    for (const timestepSpacing of ['leading', 'trailing', 'linspace'] as const) {
      const inv = new DdimInverseScheduler({ ...reference, timestepSpacing });
      inv.setTimesteps(50);
      expect(strengthTimesteps({ ...reference, timestepSpacing }, 50, 0.3).inversion).toEqual(inv.timesteps.slice(0, 15));
    }
  });

  it('refuses a strength that leaves no step, or outside (0, 1]', () => {
    expectUserError(() => strengthTimesteps(reference, 50, 0.01), /no denoising step/);
    expectUserError(() => strengthTimesteps(reference, 50, 0), /Strength/);
    expectUserError(() => strengthTimesteps(reference, 50, 1.5), /Strength/);
    expectUserError(() => strengthTimesteps(reference, 0, 0.3), /steps/);
  });
});
