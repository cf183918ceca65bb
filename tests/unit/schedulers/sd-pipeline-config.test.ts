import { describe, expect, it } from 'vitest';
import { ddimSchedule } from '../../../main/inference/pipelines/ddim-schedule';
import { DdimScheduler } from '../../../main/inference/schedulers/ddim';
import { parseSchedulerConfig } from '../../../main/inference/schedulers/scheduler-config';
import { stableDiffusionPipelineConfig } from '../../../main/inference/schedulers/sd-pipeline-config';

// SD 1.5's own scheduler_config.json (runwayml/stable-diffusion-v1-5, PNDMScheduler keys)
const sd15 = { _class_name: 'PNDMScheduler', beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', num_train_timesteps: 1000, set_alpha_to_one: false, skip_prk_steps: true, steps_offset: 1, trained_betas: null, clip_sample: false };
const down = (from: number, n: number) => Array.from({ length: n }, (_, i) => from - 20 * i);

describe('the scheduler as the Stable Diffusion pipelines run it', () => {
  it('leaves the SD 1.5 config as it is, with nothing to report', () => {
    const { config, adjustments } = stableDiffusionPipelineConfig(parseSchedulerConfig(sd15));
    expect(adjustments).toEqual([]);
    expect([config.stepsOffset, config.clipSample, config.setAlphaToOne, config.timestepSpacing]).toEqual([1, false, false, 'leading']);
  });

  it('forces steps_offset 1 and clip_sample false, one report line each, and keeps set_alpha_to_one and the spacing', () => {
    const raw = parseSchedulerConfig({ ...sd15, steps_offset: 0, clip_sample: true, set_alpha_to_one: true, timestep_spacing: 'trailing' });
    const { config, adjustments } = stableDiffusionPipelineConfig(raw);
    expect(adjustments).toEqual([
      "scheduler steps_offset 0 -> 1 (as diffusers' Stable Diffusion pipelines force it)",
      "scheduler clip_sample true -> false (as diffusers' Stable Diffusion pipelines force it)",
    ]);
    expect([config.stepsOffset, config.clipSample, config.setAlphaToOne, config.timestepSpacing]).toEqual([1, false, true, 'trailing']);
    // a config without the keys takes diffusers' DDIM defaults (steps_offset 0, clip_sample true): both are overridden too
    expect(stableDiffusionPipelineConfig({}).adjustments).toHaveLength(2);
  });

  it('gives the R2R schedule t = 281 ... 1 whether the config says steps_offset 0 or 1, and reports the override', () => {
    for (const offset of [0, 1]) {
      const s = ddimSchedule(parseSchedulerConfig({ ...sd15, steps_offset: offset }), 50, 0.3);
      expect(s.generation).toEqual(down(281, 15));
      expect(s.adjustments!.length).toBe(offset === 0 ? 1 : 0);
    }
  });

  it('reads the spacing from the config: trailing is t = 299 ... 19, linspace rounds np.linspace', () => {
    const trailing = ddimSchedule(parseSchedulerConfig({ ...sd15, timestep_spacing: 'trailing' }), 50, 0.3);
    expect(trailing.generation).toEqual(down(299, 15));
    // numpy: np.round(np.linspace(0, 999, 50))[::-1][35:]
    const linspace = ddimSchedule(parseSchedulerConfig({ ...sd15, timestep_spacing: 'linspace' }), 50, 0.3);
    expect(linspace.generation).toEqual([285, 265, 245, 224, 204, 183, 163, 143, 122, 102, 82, 61, 41, 20, 0]);
  });

  it("reads set_alpha_to_one: the last generation step lands on 1 (true) or on alphas_cumprod[0] (false)", () => {
    const eps = new Float32Array([0.5]);
    const x = new Float32Array([0.7]);
    const lastStep = (setAlphaToOne: boolean) => ddimSchedule(parseSchedulerConfig({ ...sd15, set_alpha_to_one: setAlphaToOne }), 50, 0.3).step(eps, 1, x)[0]!;
    const a1 = new DdimScheduler(parseSchedulerConfig(sd15)).alphasCumprod[1]!;
    const a0 = new DdimScheduler(parseSchedulerConfig(sd15)).alphasCumprod[0]!;
    const x0 = (0.7 - Math.sqrt(1 - a1) * 0.5) / Math.sqrt(a1);
    expect(lastStep(true)).toBeCloseTo(x0, 5);
    expect(lastStep(false)).toBeCloseTo(Math.sqrt(a0) * x0 + Math.sqrt(1 - a0) * 0.5, 5);
  });
});
