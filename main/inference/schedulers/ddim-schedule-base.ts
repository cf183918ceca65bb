import { resolveConfig, type DdimConfig } from './scheduler-config';
import { alphasCumprod, ddimTimesteps } from './noise-schedule';

/**
 * What DDIM and its inverse are built from: the resolved config, ᾱ_t, the ᾱ past the clean
 * end and the step count. The two differ only in the direction they walk the timesteps.
 */
export abstract class DdimScheduleBase {
  readonly config: DdimConfig;
  readonly alphasCumprod: Float32Array;
  /** ᾱ at the clean end, below timestep 0 (diffusers' final_alpha_cumprod, initial_ for the inverse): 1, or ᾱ_0 when set_alpha_to_one is false */
  readonly cleanAlphaCumprod: number;
  numInferenceSteps: number | null = null;
  /** in walking order; all train timesteps until setTimesteps is called */
  timesteps: number[];

  protected constructor(
    config: Partial<DdimConfig>,
    private readonly direction: 'denoising' | 'inverting',
    private readonly label: string,
  ) {
    this.config = resolveConfig(config);
    this.alphasCumprod = alphasCumprod(this.config);
    this.cleanAlphaCumprod = this.config.setAlphaToOne ? 1 : this.alphasCumprod[0]!;
    this.timesteps = this.ordered(Array.from({ length: this.config.numTrainTimesteps }, (_, i) => this.config.numTrainTimesteps - 1 - i));
  }

  setTimesteps(numInferenceSteps: number): void {
    this.timesteps = this.ordered(ddimTimesteps(this.config, numInferenceSteps));
    this.numInferenceSteps = numInferenceSteps;
  }

  /** descending timesteps as this scheduler walks them */
  private ordered(descending: number[]): number[] {
    return this.direction === 'denoising' ? descending : descending.reverse();
  }

  /** num_train_timesteps // num_inference_steps: how far apart two timesteps of a step are */
  protected stepStride(): number {
    if (this.numInferenceSteps === null) throw new Error(`call setTimesteps before stepping the ${this.label}`);
    return Math.floor(this.config.numTrainTimesteps / this.numInferenceSteps);
  }

  protected alphaAt(timestep: number): number {
    const a = this.alphasCumprod[timestep];
    if (!Number.isInteger(timestep) || a === undefined) throw new RangeError(`timestep ${timestep} is outside 0..${this.config.numTrainTimesteps - 1}`);
    return a;
  }

  /** ᾱ at `timestep`, or at the clean end when it is below 0 */
  protected alphaOrClean(timestep: number): number {
    return timestep >= 0 ? this.alphaAt(timestep) : this.cleanAlphaCumprod;
  }
}
