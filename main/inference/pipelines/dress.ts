import { UserError } from '../../common/errors';
import { compositeOnSource } from '../image/composite';
import { chooseModelSize, fitSourceToModel, mapModelOutputToSource, planFit, type FitPlan } from '../image/fit';
import type { SourceImage } from '../image/source-image';
import { nchwToRgb, rgbToNchw } from '../image/tensor-layout';
import { writePngAtomic } from '../image/write-png';
import { DdimScheduler } from '../schedulers/ddim';
import type { DdimConfig } from '../schedulers/scheduler-config';
import { stableDiffusionPipelineConfig } from '../schedulers/sd-pipeline-config';
import { stepCounts } from '../../../preload/api/step-counts';
import { ddimSchedule, type DdimSchedule } from './ddim-schedule';
import type { DiffusionModel, UnetCall } from './diffusion-model';
import { latentPreview } from './latent-preview';
import { guideInto } from './latent-math';
import { checkFinite, type R2RParams, type R2RStepEvent, type UnetCallRecord } from './r2r';
import { seededNoise } from './seeded-noise';
import { decodeLatent, encodeImage } from './tiled';
import { concatRows, dressRows, garmentRegion } from './dress-rows';

export interface DressGarmentInput {
  image: SourceImage;
  /** where the garment acts, at latent resolution [h * w], 0..1 (dressGrid gives the grid) */
  region: Float32Array;
  /** fidelity 0..1: scales the region (the attention weight of the garment's tokens) */
  weight: number;
}

export interface DressInputs {
  garments: DressGarmentInput[];
  /** an outfit render to translate (R2R: inverted, regenerated with TAC locked in the garments' regions) */
  render?: SourceImage;
}

export type DressParams = R2RParams;

export interface DressOptions {
  signal?: AbortSignal;
  onStep?: (e: R2RStepEvent) => void;
  outputPath?: string;
}

export interface DressResult {
  mode: 'txt2img' | 'render';
  image: SourceImage;
  outputPath?: string;
  /** the model canvas */
  width: number;
  height: number;
  provider: string;
  totalMs: number;
  modelMs: number;
  unetCalls: UnetCallRecord[];
  /** sum of UNet batch rows */
  sampleEvaluations: number;
  /** garments with a non-empty region: one row each in every call */
  garmentRows: number;
  /** rows of the widest generation call */
  rowsPerCall: number;
  notes: string[];
}

/** the model canvas and latent grid a dressed shot runs at (the render's aspect, or width x height) */
export function dressGrid(model: DiffusionModel, params: Pick<R2RParams, 'width' | 'height'>, render?: { width: number; height: number }): { width: number; height: number; latentWidth: number; latentHeight: number } {
  const size = render
    ? chooseModelSize(render.width, render.height, { width: params.width, height: params.height }, model.sizeMultiple)
    : chooseModelSize(params.width ?? 768, params.height ?? 1024, { width: params.width ?? 768, height: params.height ?? 1024 }, model.sizeMultiple);
  return { ...size, latentWidth: size.width / model.vaeFactor, latentHeight: size.height / model.vaeFactor };
}

/** a garment image on the canvas (aspect kept, padded with the background), VAE-encoded and scaled */
async function garmentLatent(model: DiffusionModel, image: SourceImage, width: number, height: number, params: DressParams, signal?: AbortSignal): Promise<Float32Array> {
  const plan = planFit(image.width, image.height, width, height);
  const rgb = rgbToNchw(await fitSourceToModel(image, plan, params.background));
  signal?.throwIfAborted();
  const latent = await encodeImage(model, { channels: 3, width, height, data: rgb }, params.vaeTiles, signal);
  checkFinite(latent.data, 'VAE encoder', `for ${image.path || 'a garment image'}`);
  return latent.data.map((v) => v * model.scalingFactor);
}

/**
 * Dresses garments in one image. Every UNet call holds the generated rows [negative,
 * conditional] and one row per garment (its latent noised along its own DDIM inversion,
 * like R2R's reference, empty prompt); the generated rows' attn1 also attend to the garment
 * rows' tokens, garment i only inside its region (reference attention). Without a render the
 * start is the seed's noise over all steps (txt2img); with one, the render is inverted and
 * regenerated as R2R does, its reference row lending the conditional row Q/K (TAC) over the
 * union of the garments' regions only (texture lock where a garment is worn, none elsewhere).
 * Garments whose region is empty add no row: with none left the shot is plain txt2img (or R2R).
 */
export async function runDress(model: DiffusionModel, config: Partial<DdimConfig>, inputs: DressInputs, params: DressParams, opts: DressOptions = {}): Promise<DressResult> {
  const { signal, onStep } = opts;
  const t0 = performance.now();
  const m0 = model.runMs();
  const grid = dressGrid(model, params, inputs.render);
  const { width, height, latentWidth: lw, latentHeight: lh } = grid;
  const C = model.latentChannels;
  const per = C * lw * lh;
  const plane = lw * lh;
  const garments = inputs.garments.map((g, i) => ({ ...g, region: garmentRegion(g.region, g.weight, plane, i) })).filter((g) => g.region.some((v) => v > 0));
  if (garments.length > 0 && !model.supportsReference) {
    throw new UserError('model-no-reference', 'this UNet has no ref_rows input, so garments cannot be dressed', 'Load the model with reference attention (r2r dress does), or re-adapt it.');
  }
  const render = inputs.render;
  const steps = render ? stepCounts(params.steps, params.strength, params.tacRatio) : { k: params.steps, tacSteps: 0 };
  if (steps.k < 1) throw new UserError('bad-option', `strength ${params.strength} with ${params.steps} steps leaves no step to run (K = int(${params.steps} x ${params.strength}) = 0)`, 'Raise the strength or the steps.');
  if (render && steps.tacSteps > 0 && !model.supportsTac) throw new UserError('model-no-tac', 'this UNet has no tac_qk_source input, so the render cannot lend its textures', 'Load the model through R2R Studio so it is adapted.');
  if (render && steps.tacSteps > 0 && garments.length > 0 && !model.supportsTextureLock) {
    throw new UserError('model-no-texture-lock', 'this UNet has no tac_token_mask input, so texture lock cannot be held to the garments\' regions', 'Re-adapt the model without --no-token-mask (r2r models adapt), or dress from text without a render.');
  }
  const K = steps.k;
  const schedule = ddimSchedule(config, params.steps, render ? params.strength : 1, render ? params.inversion : 'ddim');
  const unetCalls: UnetCallRecord[] = [];
  const callUnet = async (stage: 'inversion' | 'generation', call: UnetCall, tac: boolean): Promise<Float32Array> => {
    signal?.throwIfAborted();
    const start = performance.now();
    const eps = await model.unet(call);
    unetCalls.push({ stage, batch: call.batch, timestep: call.timestep, tac, ms: performance.now() - start });
    checkFinite(eps, 'UNet', `at timestep ${call.timestep} (${stage})`);
    return eps;
  };

  const emptyText = await model.encodeText('');
  const negText = await model.encodeText(params.negative);
  const condText = await model.encodeText(params.prompt);
  for (const [t, what] of [[emptyText, 'the empty prompt'], [negText, 'the negative prompt'], [condText, 'the prompt']] as const) checkFinite(t, 'text encoder', `for ${what}`);

  // the latents to invert: the render's (first) and each garment's, in one batch per step
  let plan: FitPlan | undefined;
  const clean: Float32Array[] = [];
  if (render) {
    plan = planFit(render.width, render.height, width, height);
    const rgb = rgbToNchw(await fitSourceToModel(render, plan, params.background));
    signal?.throwIfAborted();
    const latent = await encodeImage(model, { channels: 3, width, height, data: rgb }, params.vaeTiles, signal);
    checkFinite(latent.data, 'VAE encoder', 'for the render');
    clean.push(latent.data.map((v) => v * model.scalingFactor));
  }
  for (const g of garments) clean.push(await garmentLatent(model, g.image, width, height, params, signal));
  const trajectories = await invertAll(clean, K, schedule, lw, lh, emptyText, model.supportsTac, callUnet, onStep);
  const renderTrajectory = render ? trajectories.shift() : undefined;

  const guided = new Float32Array(per);
  const sd = stableDiffusionPipelineConfig(config);
  const scheduler = new DdimScheduler(sd.config);
  scheduler.setTimesteps(params.steps);
  // txt2img: DDIM's initial noise sigma is 1, the start latent is the noise itself (as runTxt2Img)
  let x: Float32Array = renderTrajectory ? Float32Array.from(renderTrajectory[K]!) : seededNoise(params.seed, per);
  const timesteps = render ? schedule.generation : scheduler.timesteps;
  let rowsPerCall = 0;
  for (let j = 0; j < K; j++) {
    const t = timesteps[j]!;
    const tac = j < steps.tacSteps;
    const rows = dressRows({
      x,
      reference: tac ? renderTrajectory![K - j]! : undefined,
      garments: trajectories.map((tr) => tr[K - j]!),
      regions: garments.map((g) => g.region),
      texts: { empty: emptyText, negative: negText, prompt: condText },
      plane,
      supportsTac: model.supportsTac,
      supportsTextureLock: model.supportsTextureLock,
    });
    rowsPerCall = Math.max(rowsPerCall, rows.batch);
    const eps = await callUnet('generation', { ...rows.call, width: lw, height: lh, timestep: t }, tac);
    guideInto(guided, eps, rows.negative * per, rows.conditional * per, params.guidance);
    if (render) schedule.stepInto!(x, guided, t, x);
    else x = scheduler.step(guided, t, x).prevSample;
    const preview = params.previewEvery > 0 && ((j + 1) % params.previewEvery === 0 || j === K - 1) ? latentPreview(x, C, lw, lh) : undefined;
    onStep?.({ stage: 'generation', step: j + 1, total: K, timestep: t, preview });
  }

  signal?.throwIfAborted();
  const decoded = await decodeLatent(model, { channels: C, width: lw, height: lh, data: x.map((v) => v / model.scalingFactor) }, params.vaeTiles, signal);
  checkFinite(decoded.data, 'VAE decoder', 'for the final latent');
  const rgb = nchwToRgb(decoded.data, width, height);
  let image: SourceImage;
  if (render && plan) image = compositeOnSource(render, await mapModelOutputToSource(rgb, plan));
  else {
    const data = new Uint8Array(rgb.data.length);
    for (let i = 0; i < data.length; i++) data[i] = Math.round(rgb.data[i]! * 255);
    image = { path: opts.outputPath ?? '', width, height, channels: 3, depth: 8, grey: false, data, format: 'png' };
  }
  if (opts.outputPath) {
    signal?.throwIfAborted();
    await writePngAtomic(opts.outputPath, image);
  }
  return {
    mode: render ? 'render' : 'txt2img',
    image,
    outputPath: opts.outputPath,
    width,
    height,
    provider: model.provider,
    totalMs: performance.now() - t0,
    modelMs: model.runMs() - m0,
    unetCalls,
    sampleEvaluations: unetCalls.reduce((a, c) => a + c.batch, 0),
    garmentRows: garments.length,
    rowsPerCall,
    notes: sd.adjustments,
  };
}

/**
 * DDIM inversion of every latent together (batch = their count, empty prompt, no guidance):
 * per latent [x0, after step 1, ..., after step K]; generation step j takes entry K - j.
 */
async function invertAll(
  clean: Float32Array[],
  K: number,
  schedule: DdimSchedule,
  lw: number,
  lh: number,
  emptyText: Float32Array,
  tacInput: boolean,
  callUnet: (stage: 'inversion', call: UnetCall, tac: boolean) => Promise<Float32Array>,
  onStep: DressOptions['onStep'],
): Promise<Float32Array[][]> {
  const n = clean.length;
  if (n === 0) return [];
  const trajectories = clean.map((x0) => [x0]);
  const per = clean[0]!.length;
  const text = concatRows(clean.map(() => emptyText));
  for (let i = 0; i < K; i++) {
    const t = schedule.inversion[i]!;
    const eps = await callUnet('inversion', { batch: n, width: lw, height: lh, latents: concatRows(trajectories.map((tr) => tr[i]!)), timestep: t, text, tacQkSource: tacInput ? clean.map((_, r) => r) : undefined }, false);
    for (let r = 0; r < n; r++) trajectories[r]!.push(schedule.invert(eps.subarray(r * per, (r + 1) * per), t, trajectories[r]![i]!));
    onStep?.({ stage: 'inversion', step: i + 1, total: K, timestep: t });
  }
  return trajectories;
}
