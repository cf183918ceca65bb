import { resolveConfig, type DdimConfig } from './scheduler-config';
import { alphasCumprod, ddimTimesteps } from './noise-schedule';
import { ddimUpdateInto, type DdimStepResult } from './ddim';

/**
 * diffusers' DDIMInverseScheduler: DDIM run backwards, from a clean latent towards noise,
 * with the noise levels of the forward steps. Timesteps are ascending. `linspace` spacing,
 * which diffusers refuses here, is the forward scheduler's linspace timesteps reversed.
 */
export class DdimInverseScheduler {
  readonly config: DdimConfig;
  readonly alphasCumprod: Float32Array;
  /** ᾱ before the first step: 1, or ᾱ_0 when set_alpha_to_one is false */
  readonly initialAlphaCumprod: number;
  numInferenceSteps: number | null = null;
  /** ascending; all train timesteps until setTimesteps is called */
  timesteps: number[];

  constructor(config: Partial<DdimConfig> = {}) {
    this.config = resolveConfig(config);
    this.alphasCumprod = alphasCumprod(this.config);
    this.initialAlphaCumprod = this.config.setAlphaToOne ? 1 : this.alphasCumprod[0]!;
    this.timesteps = Array.from({ length: this.config.numTrainTimesteps }, (_, i) => i);
  }

  setTimesteps(numInferenceSteps: number): void {
    this.timesteps = ddimTimesteps(this.config, numInferenceSteps).reverse();
    this.numInferenceSteps = numInferenceSteps;
  }

  /** the timestep the sample comes from when stepping to `timestep`; below 0 means clean */
  sourceTimestep(timestep: number): number {
    if (this.numInferenceSteps === null) throw new Error('call setTimesteps before stepping the DDIM inverse scheduler');
    return Math.min(timestep - Math.floor(this.config.numTrainTimesteps / this.numInferenceSteps), this.config.numTrainTimesteps - 1);
  }

  private alphaAt(timestep: number): number {
    const a = this.alphasCumprod[timestep];
    if (!Number.isInteger(timestep) || a === undefined) throw new RangeError(`timestep ${timestep} is outside 0..${this.config.numTrainTimesteps - 1}`);
    return a;
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
    const alphaProdFrom = from >= 0 ? this.alphaAt(from) : this.initialAlphaCumprod;
    const alphaProdTo = this.alphaAt(timestep);
    return ddimUpdateInto(out, x0Out, this.config, modelOutput, sample, alphaProdFrom, alphaProdTo, 0, false, undefined);
  }
}
