import { ddimUpdateInto, type DdimStepResult } from './ddim';
import { DdimScheduleBase } from './ddim-schedule-base';
import type { DdimConfig } from './scheduler-config';

/**
 * diffusers' DDIMInverseScheduler: DDIM run backwards, from a clean latent towards noise,
 * with the noise levels of the forward steps. Timesteps are ascending. `linspace` spacing,
 * which diffusers refuses here, is the forward scheduler's linspace timesteps reversed.
 */
export class DdimInverseScheduler extends DdimScheduleBase {
  constructor(config: Partial<DdimConfig> = {}) {
    super(config, 'inverting', 'DDIM inverse scheduler');
  }

  /** the timestep the sample comes from when stepping to `timestep`; below 0 means clean */
  sourceTimestep(timestep: number): number {
    return Math.min(timestep - this.stepStride(), this.config.numTrainTimesteps - 1);
  }

  /**
   * One inversion step to `timestep`, the model evaluated at `timestep` on the less noisy
   * sample; `prevSample` of the result is the sample at `timestep` (diffusers' naming).
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): DdimStepResult {
    const prevSample = new Float32Array(sample.length);
    const predOriginalSample = new Float32Array(sample.length);
    this.stepInto(prevSample, modelOutput, timestep, sample, predOriginalSample);
    return { prevSample, predOriginalSample };
  }

  /** `step` writing the sample at `timestep` into `out` (which may be `sample`), and x_0 into `x0Out` when given */
  stepInto(out: Float32Array, modelOutput: Float32Array, timestep: number, sample: Float32Array, x0Out?: Float32Array): Float32Array {
    const from = this.sourceTimestep(timestep);
    const alphaProdFrom = this.alphaOrClean(from);
    const alphaProdTo = this.alphaAt(timestep);
    return ddimUpdateInto(out, x0Out, this.config, modelOutput, sample, alphaProdFrom, alphaProdTo, 0, false, undefined);
  }
}
