import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors';

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

/** diffusers' DDIMScheduler configuration, camel-cased; defaults are diffusers' */
export interface DdimConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  /** explicit betas, overriding beta_start/beta_end/beta_schedule */
  trainedBetas: number[] | null;
  clipSample: boolean;
  clipSampleRange: number;
  setAlphaToOne: boolean;
  stepsOffset: number;
  predictionType: PredictionType;
  timestepSpacing: TimestepSpacing;
  rescaleBetasZeroSnr: boolean;
}

export const DDIM_DEFAULTS: DdimConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  trainedBetas: null,
  clipSample: true,
  clipSampleRange: 1,
  setAlphaToOne: true,
  stepsOffset: 0,
  predictionType: 'epsilon',
  timestepSpacing: 'leading',
  rescaleBetasZeroSnr: false,
};

type Check = (value: unknown) => boolean;
const isBool: Check = (v) => typeof v === 'boolean';
// SD trains on 1000 timesteps; the cap keeps a hostile config from sizing the alpha tables at billions of entries
const MAX_TRAIN_TIMESTEPS = 100_000;
const isTrainTimesteps: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_TRAIN_TIMESTEPS;
const isOffset: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isBeta: Check = (v) => typeof v === 'number' && v >= 0 && v < 1;
const isPositive: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const oneOf = (...values: string[]): Check => (v) => typeof v === 'string' && values.includes(v);

const KEYS: { json: string; key: keyof DdimConfig; check: Check; expect: string }[] = [
  { json: 'num_train_timesteps', key: 'numTrainTimesteps', check: isTrainTimesteps, expect: `a whole number from 1 to ${MAX_TRAIN_TIMESTEPS}` },
  { json: 'beta_start', key: 'betaStart', check: isBeta, expect: 'a number in [0, 1)' },
  { json: 'beta_end', key: 'betaEnd', check: isBeta, expect: 'a number in [0, 1)' },
  { json: 'beta_schedule', key: 'betaSchedule', check: oneOf('linear', 'scaled_linear', 'squaredcos_cap_v2'), expect: 'linear, scaled_linear or squaredcos_cap_v2' },
  { json: 'trained_betas', key: 'trainedBetas', check: (v) => Array.isArray(v) && v.length > 0 && v.every(isBeta), expect: 'a list of numbers in [0, 1)' },
  { json: 'clip_sample', key: 'clipSample', check: isBool, expect: 'true or false' },
  { json: 'clip_sample_range', key: 'clipSampleRange', check: isPositive, expect: 'a positive number' },
  { json: 'set_alpha_to_one', key: 'setAlphaToOne', check: isBool, expect: 'true or false' },
  { json: 'steps_offset', key: 'stepsOffset', check: isOffset, expect: 'a whole number of at least 0' },
  { json: 'prediction_type', key: 'predictionType', check: oneOf('epsilon', 'v_prediction', 'sample'), expect: 'epsilon, v_prediction or sample' },
  { json: 'timestep_spacing', key: 'timestepSpacing', check: oneOf('leading', 'trailing', 'linspace'), expect: 'leading, trailing or linspace' },
  { json: 'rescale_betas_zero_snr', key: 'rescaleBetasZeroSnr', check: isBool, expect: 'true or false' },
];

/**
 * Reads a diffusers scheduler configuration (snake_case keys, as in scheduler_config.json).
 * Unknown keys (`_class_name`, `skip_prk_steps`, ...) are ignored, null means "default", and a
 * known key with a wrong value is a UserError naming the file and the key.
 */
export function parseSchedulerConfig(raw: unknown, source = 'scheduler_config.json'): DdimConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError('scheduler-bad-config', `${source} should hold a JSON object of scheduler settings.`, 'Re-export the model, or copy scheduler_config.json from its diffusers repository.');
  }
  const json = raw as Record<string, unknown>;
  const config: DdimConfig = { ...DDIM_DEFAULTS };
  for (const { json: name, key, check, expect } of KEYS) {
    const value = json[name];
    if (value === undefined || value === null) continue;
    if (!check(value)) {
      throw new UserError('scheduler-bad-config', `${source}: ${name} is ${JSON.stringify(value)}, expected ${expect}.`, `Fix ${name} in ${source}, or remove it to use diffusers' default.`);
    }
    (config as unknown as Record<string, unknown>)[key] = value;
  }
  if (json.thresholding === true) {
    throw new UserError('scheduler-unsupported', `${source} turns on dynamic thresholding, which R2R Studio's DDIM does not implement.`, 'Set "thresholding" to false (Stable Diffusion models do not use it).');
  }
  if (config.trainedBetas && config.trainedBetas.length !== config.numTrainTimesteps) {
    throw new UserError('scheduler-bad-config', `${source}: trained_betas has ${config.trainedBetas.length} values for ${config.numTrainTimesteps} train timesteps.`, 'Make num_train_timesteps match the length of trained_betas.');
  }
  return config;
}

/** a model folder's `scheduler/scheduler_config.json` */
export function readSchedulerConfig(modelFolder: string): DdimConfig {
  const file = join(modelFolder, 'scheduler', 'scheduler_config.json');
  if (!existsSync(file)) {
    throw new UserError('scheduler-missing', `The model folder has no ${file}.`, 'A Stable Diffusion ONNX folder needs scheduler/scheduler_config.json (as `optimum-cli export onnx` writes it).');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError('scheduler-bad-config', `${file} is not valid JSON: ${(err as Error).message}`, 'Re-export the model, or copy scheduler_config.json again.');
  }
  return parseSchedulerConfig(raw, file);
}

export function resolveConfig(config: Partial<DdimConfig>): DdimConfig {
  return { ...DDIM_DEFAULTS, ...config };
}
