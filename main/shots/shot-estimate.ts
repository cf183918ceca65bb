import { resolve } from 'node:path';
import type { CostEstimateRecord, CostRequestRecord, CostStage, EstimateBasis, ShotCostRecord, StageCostRecord } from '../../preload/api/estimate-types';
import { stepCounts } from '../../preload/api/step-counts';
import { chooseModelSize } from '../inference/image/fit';
import { modelArchitecture, unetAttentionScoresPerSample, unetFlopsPerSample, vaeAttentionScores, vaeFlops, type ModelArchitecture } from './model-flops';
import type { Library } from '../catalog/index';
import { renderInputs } from './render-inputs';
import { canvasFor } from './shot-settings';
import { lookupPart, readStepTimes, stepTimesFile, type ShotPart, type StepTimesData } from './step-times';

/**
 * Rough FLOP/s an fp32 SD model reaches per execution provider, for the estimate before any
 * shot was measured: a desktop CPU's cores under onnxruntime do a few hundred GFLOP/s, a
 * discrete GPU tens of TFLOP/s. Labelled a guess in the UI; the first shot replaces it.
 */
export const GUESSED_FLOPS_PER_SECOND: Readonly<Record<string, number>> = {
  cpu: 2e11,
  cuda: 2.5e13,
  tensorrt: 4e13,
  dml: 8e12,
  coreml: 5e12,
  webgpu: 4e12,
};
/**
 * Rough bytes per second the attention scores move at per provider (each score is about 20
 * bytes of traffic: written, read and written by the softmax, read again). The demo model on a
 * shared 2-core VM measured 26-31 ns a score (0.7 GB/s) for one row at 256x320 and 512x640;
 * 2 GB/s stands for a desktop's cores. GPUs: their memory bandwidth, roughly.
 */
export const GUESSED_SCORE_BYTES_PER_SECOND: Readonly<Record<string, number>> = {
  cpu: 2e9,
  cuda: 1e12,
  tensorrt: 1e12,
  dml: 3e11,
  coreml: 3e11,
  webgpu: 3e11,
};
export const BYTES_PER_SCORE = 20;
/** text encoder, fitting and writing the PNG, before they were measured */
const GUESSED_OTHER_SECONDS = 0.5;
/** a CPU shot longer than this gets the warning and a smaller size */
export const SLOW_SHOT_SECONDS = 60;
export const DEFAULT_SIDES = [1024, 768, 512, 256, 128];

export interface ShotPlan {
  provider: string;
  model: string;
  width: number;
  height: number;
  steps: number;
  strength: number;
  tacRatio: number;
  arch: ModelArchitecture;
  /** an earlier shot's inversion is reused: no encode, no inversion steps */
  inversionCached?: boolean;
}

/** seconds of work the guess gives `flops` and `scores` attention scores on a provider */
export function guessedSeconds(provider: string, flops: number, scores: number): number {
  const speed = GUESSED_FLOPS_PER_SECOND[provider] ?? GUESSED_FLOPS_PER_SECOND.cpu!;
  const bandwidth = GUESSED_SCORE_BYTES_PER_SECOND[provider] ?? GUESSED_SCORE_BYTES_PER_SECOND.cpu!;
  return flops / speed + (scores * BYTES_PER_SCORE) / bandwidth;
}

/** seconds of each stage of one shot, measured where this library has step times, else guessed from FLOPs and attention scores */
export function estimateShot(data: StepTimesData, plan: ShotPlan): ShotCostRecord {
  const { k, tacSteps } = stepCounts(plan.steps, plan.strength, plan.tacRatio);
  const f = plan.arch.vaeFactor;
  const [lh, lw] = [Math.ceil(plan.height / f), Math.ceil(plan.width / f)];
  const perSample = guessedSeconds(plan.provider, unetFlopsPerSample(plan.arch.unet, lh, lw), unetAttentionScoresPerSample(plan.arch.unet, lh, lw));
  const vae = vaeFlops(plan.arch.vae, plan.height, plan.width);
  const vaeScores = vaeAttentionScores(plan.arch.vae, plan.height, plan.width);
  const part = (name: ShotPart, guess: number): { seconds: number; basis: EstimateBasis } => {
    const m = lookupPart(data, { provider: plan.provider, model: plan.model, width: plan.width, height: plan.height, part: name });
    return m ? { seconds: m.seconds, basis: 'measured' } : { seconds: guess, basis: 'guess' };
  };
  const stage = (name: CostStage, p: ShotPart, steps: number, rows: number, guessPerStep: number): StageCostRecord => {
    const one = part(p, guessPerStep);
    return { stage: name, steps, rows, seconds: steps * one.seconds, basis: one.basis };
  };
  const inverts = plan.inversionCached ? 0 : 1;
  const stages = [
    stage('encode', 'encode', inverts, 1, guessedSeconds(plan.provider, vae.encode, vaeScores)),
    stage('inversion', 'inversion:1', inverts * k, 1, perSample),
    stage('generation-tac', 'generation:3', tacSteps, 3, 3 * perSample),
    stage('generation', 'generation:2', k - tacSteps, 2, 2 * perSample),
    stage('decode', 'decode', 1, 1, guessedSeconds(plan.provider, vae.decode, vaeScores)),
    stage('other', 'other', 1, 1, GUESSED_OTHER_SECONDS),
  ];
  // the UNet and VAE are the cost: the estimate is measured when every one of them that runs was
  const basis: EstimateBasis = stages.some((s) => s.stage !== 'other' && s.steps > 0 && s.basis === 'guess') ? 'guess' : 'measured';
  return { seconds: stages.reduce((a, s) => a + s.seconds, 0), basis, width: plan.width, height: plan.height, provider: plan.provider, stages };
}

/** the model canvas a render gets for a longer side (none: the engine's default 768x1024) */
export function canvasOfRender(render: { width: number; height: number }, maxSide: number | undefined, sizeMultiple: number): { width: number; height: number } {
  return chooseModelSize(render.width, render.height, canvasFor(render.width, render.height, maxSide), sizeMultiple);
}

export interface CostContext {
  data: StepTimesData;
  render: { width: number; height: number };
  /** the provider 'auto' resolves to when no shot recorded it */
  autoProvider: string;
}

function sweepCells(req: CostRequestRecord): { tacRatio: number; strength: number }[] {
  if (!req.grid?.length) return [{ tacRatio: req.tacRatio, strength: req.strength }];
  const unique = new Map(req.grid.map((c) => [`${c.strength}/${c.tacRatio}`, c]));
  return [...unique.values()].sort((a, b) => a.strength - b.strength || a.tacRatio - b.tacRatio);
}

/**
 * The cost of a generate, a sweep (each strength inverted once, as the sweep job runs it) or
 * a batch of like shots, and for a slow CPU shot the largest offered size under a minute.
 */
export function estimateCost(req: CostRequestRecord, ctx: CostContext): CostEstimateRecord {
  const { costs, cells, planAt, provider } = cellCosts(req, ctx);
  const batch = req.grid?.length ? 1 : Math.max(1, req.shots ?? 1);
  const seconds = batch * costs.reduce((a, c) => a + c.seconds, 0);
  const first = costs[0]!;
  const basis: EstimateBasis = costs.some((c) => c.basis === 'guess') ? 'guess' : 'measured';
  const slow = provider === 'cpu' && first.seconds > SLOW_SHOT_SECONDS;
  const out: CostEstimateRecord = { seconds, basis, shots: batch * cells.length, shot: first, slow };
  if (slow) {
    const longer = Math.max(first.width, first.height);
    const options = (req.sides?.length ? req.sides : DEFAULT_SIDES).filter((s) => s > 0 && s < longer).sort((a, b) => b - a);
    const tried = options.map((maxSide) => ({ maxSide, cost: estimateShot(ctx.data, planAt(maxSide, cells[0]!)) }));
    const pick = tried.find((t) => t.cost.seconds <= SLOW_SHOT_SECONDS) ?? tried.at(-1);
    if (pick) out.smaller = { maxSide: pick.maxSide, width: pick.cost.width, height: pick.cost.height, seconds: pick.cost.seconds };
  }
  return out;
}

/** each shot's cost in the order the generate or sweep job runs them (a sweep's later cells of a strength reuse its inversion) */
export function cellCosts(req: CostRequestRecord, ctx: CostContext) {
  const arch = modelArchitecture(req.model);
  const asked = req.provider && req.provider !== 'auto' ? req.provider.toLowerCase() : undefined;
  const provider = asked ?? ctx.data.autoProvider ?? ctx.autoProvider;
  const planAt = (maxSide: number | undefined, cell: { tacRatio: number; strength: number }, inversionCached = false): ShotPlan => ({
    provider,
    model: resolve(req.model),
    ...canvasOfRender(ctx.render, maxSide, arch.sizeMultiple),
    steps: req.steps,
    strength: cell.strength,
    tacRatio: cell.tacRatio,
    arch,
    inversionCached,
  });
  const cells = sweepCells(req);
  const costs = cells.map((c, i) => estimateShot(ctx.data, planAt(req.maxSide, c, i > 0 && cells[i - 1]!.strength === c.strength)));
  return { costs, cells, planAt, provider };
}

/** a render of no particular aspect: a 3:4 portrait, which the engine's default canvas fits */
const PORTRAIT = { width: 768, height: 1024 };

function libraryContext(lib: Library, renderId: number | undefined, autoProvider: string): CostContext {
  const { width, height } = renderId === undefined ? PORTRAIT : renderInputs(lib, renderId);
  return { data: readStepTimes(stepTimesFile(lib.root)), render: { width, height }, autoProvider };
}

/** the cost of a request against a library: its render's size and the step times measured in it */
export function estimateLibraryCost(lib: Library, req: CostRequestRecord, autoProvider: string): CostEstimateRecord {
  return estimateCost(req, libraryContext(lib, req.renderId, autoProvider));
}

/** each shot's cost, in the order the job runs them (what its work-weighted progress counts) */
export function libraryShotCosts(lib: Library, req: CostRequestRecord, autoProvider: string): ShotCostRecord[] {
  return cellCosts(req, libraryContext(lib, req.renderId, autoProvider)).costs;
}
