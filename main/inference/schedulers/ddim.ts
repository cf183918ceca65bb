import { DdimScheduleBase } from './ddim-schedule-base';
import type { DdimConfig, PredictionType } from './scheduler-config';

export interface DdimStepOptions {
  /** η of the DDIM paper: 0 is deterministic DDIM, 1 is DDPM-like */
  eta?: number;
  /** re-derive the noise from the clipped x0, as Glide does */
  useClippedModelOutput?: boolean;
  /** standard-normal noise of the sample's size, required when eta > 0 (the pipeline owns the seed) */
  varianceNoise?: Float32Array;
}

export interface DdimStepResult {
  /** x_{t-1} (for the inverse scheduler: the noisier sample at the next timestep) */
  prevSample: Float32Array;
  /** the predicted x_0, for previews */
  predOriginalSample: Float32Array;
}

/** the inputs of one DDIM update, shared by ddimUpdate and ddimUpdateInto */
export type DdimUpdateArgs = [
  config: DdimConfig,
  modelOutput: Float32Array,
  sample: Float32Array,
  alphaProdT: number,
  alphaProdNext: number,
  stdDev: number,
  useClippedModelOutput: boolean,
  noise: Float32Array | undefined,
];

/**
 * Elementwise core shared by DDIM and its inverse: x0 and ε from the model output, then
 * formula (12) of the DDIM paper, x' = sqrt(ᾱ') x0 + sqrt(1 - ᾱ' - σ²) ε + σ z.
 */
export function ddimUpdate(...args: DdimUpdateArgs): DdimStepResult {
  const n = args[2].length;
  const prev = new Float32Array(n);
  const x0 = new Float32Array(n);
  ddimUpdateInto(prev, x0, ...args);
  return { prevSample: prev, predOriginalSample: x0 };
}

/**
 * ddimUpdate writing x' into `out` (and x0 into `x0Out` when given), allocating nothing.
 * `out` may be `sample` or `modelOutput` itself: each value is read before it is written.
 */
export function ddimUpdateInto(
  out: Float32Array,
  x0Out: Float32Array | undefined,
  ...[config, modelOutput, sample, alphaProdT, alphaProdNext, stdDev, useClippedModelOutput, noise]: DdimUpdateArgs
): Float32Array {
  if (modelOutput.length !== sample.length) {
    throw new RangeError(`model output has ${modelOutput.length} values but the sample has ${sample.length}`);
  }
  if (noise && noise.length !== sample.length) throw new RangeError(`variance noise has ${noise.length} values, the sample ${sample.length}`);
  const n = sample.length;
  if (out.length !== n || (x0Out && x0Out.length !== n)) throw new RangeError(`output buffers must hold ${n} values`);
  const sa = Math.sqrt(alphaProdT);
  const sb = Math.sqrt(1 - alphaProdT);
  const sNext = Math.sqrt(alphaProdNext);
  const direction = Math.sqrt(1 - alphaProdNext - stdDev * stdDev);
  const clip = config.clipSample;
  const range = config.clipSampleRange;
  const kind: PredictionType = config.predictionType;
  if (kind === 'epsilon' && !clip && !noise) {
    // the stable diffusion case, kept to two multiply-adds per value
    const inv = 1 / sa;
    const sbInv = sb / sa;
    if (x0Out) {
      for (let i = 0; i < n; i++) {
        const m = modelOutput[i]!;
        const x = sample[i]! * inv - sbInv * m;
        x0Out[i] = x;
        out[i] = sNext * x + direction * m;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const m = modelOutput[i]!;
        const x = sample[i]! * inv - sbInv * m;
        out[i] = sNext * x + direction * m;
      }
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const s = sample[i]!;
    const m = modelOutput[i]!;
    let x: number;
    let eps: number;
    if (kind === 'epsilon') {
      x = (s - sb * m) / sa;
      eps = m;
    } else if (kind === 'v_prediction') {
      x = sa * s - sb * m;
      eps = sa * m + sb * s;
    } else {
      x = m;
      eps = (s - sa * x) / sb;
    }
    if (clip) x = x < -range ? -range : x > range ? range : x;
    if (useClippedModelOutput) eps = (s - sa * x) / sb;
    let o = sNext * x + direction * eps;
    if (noise) o += stdDev * noise[i]!;
    out[i] = o;
    if (x0Out) x0Out[i] = x;
  }
  return out;
}

/**
 * diffusers' DDIMScheduler: denoising diffusion implicit models (Song et al. 2020,
 * https://arxiv.org/abs/2010.02502). Pure: holds only the schedule, never a sample.
 */
export class DdimScheduler extends DdimScheduleBase {
  constructor(config: Partial<DdimConfig> = {}) {
    super(config, 'denoising', 'DDIM scheduler');
  }

  /** the timestep this step lands on; below 0 means "the clean end" */
  previousTimestep(timestep: number): number {
    return timestep - this.stepStride();
  }

  /** σ_t² of formula (16): (1 - ᾱ_prev) / (1 - ᾱ_t) * (1 - ᾱ_t / ᾱ_prev) */
  variance(timestep: number, prevTimestep: number): number {
    const alphaProdT = this.alphaAt(timestep);
    const alphaProdPrev = this.alphaOrClean(prevTimestep);
    return ((1 - alphaProdPrev) / (1 - alphaProdT)) * (1 - alphaProdT / alphaProdPrev);
  }

  /** one reverse step from `timestep`: formula (12) of the DDIM paper */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: DdimStepOptions = {}): DdimStepResult {
    const prevSample = new Float32Array(sample.length);
    const predOriginalSample = new Float32Array(sample.length);
    this.stepInto(prevSample, modelOutput, timestep, sample, options, predOriginalSample);
    return { prevSample, predOriginalSample };
  }

  /**
   * `step` writing x_{t-1} into `out` (which may be `sample`, for an in-place step) and, when
   * given, the predicted x_0 into `x0Out`; allocates nothing. Returns `out`.
   */
  stepInto(out: Float32Array, modelOutput: Float32Array, timestep: number, sample: Float32Array, options: DdimStepOptions = {}, x0Out?: Float32Array): Float32Array {
    const eta = options.eta ?? 0;
    const prevTimestep = this.previousTimestep(timestep);
    const alphaProdT = this.alphaAt(timestep);
    const alphaProdPrev = this.alphaOrClean(prevTimestep);
    const stdDev = eta * Math.sqrt(this.variance(timestep, prevTimestep));
    if (eta > 0 && !options.varianceNoise) throw new Error('DDIM with eta > 0 needs varianceNoise from the caller');
    return ddimUpdateInto(out, x0Out, this.config, modelOutput, sample, alphaProdT, alphaProdPrev, stdDev, options.useClippedModelOutput ?? false, eta > 0 ? options.varianceNoise : undefined);
  }

  /** forward diffusion to `timestep`: sqrt(ᾱ_t) x0 + sqrt(1 - ᾱ_t) ε (img2img's start) */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    if (noise.length !== original.length) throw new RangeError(`noise has ${noise.length} values, the sample ${original.length}`);
    const a = this.alphaAt(timestep);
    const sa = Math.sqrt(a);
    const sb = Math.sqrt(1 - a);
    const out = new Float32Array(original.length);
    for (let i = 0; i < out.length; i++) out[i] = sa * original[i]! + sb * noise[i]!;
    return out;
  }
}
