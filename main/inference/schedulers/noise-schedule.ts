import type { DdimConfig, TimestepSpacing } from './scheduler-config';
import { UserError } from '../../common/errors';

const f32 = Math.fround;

/** torch.linspace in float32: the second half is counted back from the end */
function linspace(start: number, end: number, n: number): number[] {
  if (n === 1) return [f32(start)];
  const step = (end - start) / (n - 1);
  return Array.from({ length: n }, (_, i) => f32(i < n / 2 ? start + i * step : end - (n - 1 - i) * step));
}

/** the Glide cosine schedule: discretised alpha_bar(t) = cos((t + 0.008) / 1.008 * pi / 2)^2 */
function betasForAlphaBar(n: number, maxBeta = 0.999): number[] {
  const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * Math.PI / 2) ** 2;
  return Array.from({ length: n }, (_, i) => f32(Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), maxBeta)));
}

/** Algorithm 1 of "Common Diffusion Noise Schedules and Sample Steps are Flawed": zero terminal SNR */
function rescaleZeroTerminalSnr(betas: number[]): number[] {
  const sqrtBar: number[] = [];
  let prod = 1;
  for (const b of betas) {
    prod = f32(prod * f32(1 - b));
    sqrtBar.push(Math.sqrt(prod));
  }
  const first = sqrtBar[0]!;
  const last = sqrtBar[sqrtBar.length - 1]!;
  const bar = sqrtBar.map((s) => ((s - last) * first / (first - last)) ** 2);
  return bar.map((a, i) => f32(1 - (i === 0 ? a : a / bar[i - 1]!)));
}

export function betas(config: DdimConfig): number[] {
  let b: number[];
  if (config.trainedBetas) b = config.trainedBetas.map(f32);
  else if (config.betaSchedule === 'linear') b = linspace(config.betaStart, config.betaEnd, config.numTrainTimesteps);
  // specific to latent diffusion: linear in sqrt(beta)
  else if (config.betaSchedule === 'scaled_linear') b = linspace(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), config.numTrainTimesteps).map((x) => f32(x * x));
  else b = betasForAlphaBar(config.numTrainTimesteps);
  return config.rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(b) : b;
}

/** cumulative products of (1 - beta), in float32 as torch.cumprod computes them */
export function alphasCumprod(config: DdimConfig): Float32Array {
  const b = betas(config);
  const out = new Float32Array(b.length);
  let prod = 1;
  b.forEach((beta, i) => {
    prod = f32(prod * f32(1 - beta));
    out[i] = prod;
  });
  return out;
}

/** numpy's round: halves go to the even neighbour */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** np.arange(start, stop, step) with a float step: ceil((stop - start) / step) values */
function arange(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  return Array.from({ length: n }, (_, i) => start + i * step);
}

export function checkStepCount(config: DdimConfig, steps: number): void {
  if (!Number.isInteger(steps) || steps < 1 || steps > config.numTrainTimesteps) {
    throw new UserError('scheduler-bad-steps', `The number of steps must be a whole number from 1 to ${config.numTrainTimesteps}; got ${steps}.`, 'Use e.g. --steps 50.');
  }
}

/**
 * DDIMScheduler.set_timesteps: `steps` timesteps, descending (noisiest first), spaced as
 * Table 2 of "Common Diffusion Noise Schedules and Sample Steps are Flawed" names them.
 */
export function ddimTimesteps(config: DdimConfig, steps: number, spacing: TimestepSpacing = config.timestepSpacing): number[] {
  checkStepCount(config, steps);
  const T = config.numTrainTimesteps;
  if (spacing === 'linspace') {
    return linspaceDouble(0, T - 1, steps).map(roundHalfEven).reverse();
  }
  if (spacing === 'leading') {
    const ratio = Math.floor(T / steps);
    return Array.from({ length: steps }, (_, i) => i * ratio + config.stepsOffset).reverse();
  }
  return arange(T, 0, -T / steps).map((t) => roundHalfEven(t) - 1);
}

/** np.linspace: start + i * step, the last value set to end */
function linspaceDouble(start: number, end: number, n: number): number[] {
  if (n === 1) return [start];
  const step = (end - start) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? end : start + i * step));
}
