import { UserError } from '../../common/errors';
import { compositeOnSource } from '../image/composite';
import { chooseModelSize, fitSourceToModel, mapModelOutputToSource, planFit, type FitPlan } from '../image/fit';
import { downsampleMask, featherMask, fitMaskToModel } from '../image/mask';
import type { SourceImage } from '../image/source-image';
import { nchwToRgb, rgbToNchw } from '../image/tensor-layout';
import { writePngAtomic } from '../image/write-png';
import { DdimScheduler } from '../schedulers/ddim';
import type { DdimConfig } from '../schedulers/scheduler-config';
import { strengthTimesteps } from '../schedulers/strength-timesteps';
import type { DiffusionModel } from './diffusion-model';
import { latentPreview } from './latent-preview';
import { blendOutsideMask, guideInto } from './latent-math';
import { checkFinite, type R2RInputs, type R2RParams, type R2RStepEvent, type UnetCallRecord } from './r2r';
import { seededNoise } from './seeded-noise';
import { decodeLatent, encodeImage } from './tiled';
import { stableDiffusionPipelineConfig } from '../schedulers/sd-pipeline-config';
import { stepCounts } from '../../../preload/api/step-counts';

export type PlainMode = 'img2img' | 'txt2img';

export interface PlainOptions {
  signal?: AbortSignal;
  onStep?: (e: R2RStepEvent) => void;
  outputPath?: string;
}

export interface PlainResult {
  mode: PlainMode;
  image: SourceImage;
  outputPath?: string;
  plan?: FitPlan;
  provider: string;
  timings: Record<string, number>;
  totalMs: number;
  modelMs: number;
  unetCalls: UnetCallRecord[];
  sampleEvaluations: number;
  /** scheduler settings of the model's config that the SD pipelines override */
  notes: string[];
}

/**
 * The classifier-free-guided DDIM loop shared by img2img and txt2img: batch 2
 * [negative, conditional], eps = eps(neg) + g (eps(cond) - eps(neg)); with a latent mask,
 * the latent outside it is put back on the noised source after each step.
 */
async function denoise(
  model: DiffusionModel,
  scheduler: DdimScheduler,
  timesteps: number[],
  start: Float32Array,
  grid: { width: number; height: number },
  texts: { negative: Float32Array; prompt: Float32Array },
  guidance: number,
  previewEvery: number,
  keep: { mask: Float32Array; clean: Float32Array; noise: Float32Array } | undefined,
  opts: PlainOptions,
  calls: UnetCallRecord[],
): Promise<Float32Array> {
  const C = model.latentChannels;
  const per = C * grid.width * grid.height;
  const text2 = new Float32Array(texts.negative.length * 2);
  text2.set(texts.negative, 0);
  text2.set(texts.prompt, texts.negative.length);
  const latents2 = new Float32Array(2 * per);
  const guided = new Float32Array(per);
  let x: Float32Array = Float32Array.from(start);
  for (let j = 0; j < timesteps.length; j++) {
    const t = timesteps[j]!;
    opts.signal?.throwIfAborted();
    latents2.set(x, 0);
    latents2.set(x, per);
    const t0 = performance.now();
    const eps = await model.unet({ batch: 2, width: grid.width, height: grid.height, latents: latents2, timestep: t, text: text2, tacQkSource: model.supportsTac ? [0, 1] : undefined });
    calls.push({ stage: 'generation', batch: 2, timestep: t, tac: false, ms: performance.now() - t0 });
    checkFinite(eps, 'UNet', `at timestep ${t}`);
    guideInto(guided, eps, 0, per, guidance);
    x = scheduler.step(guided, t, x).prevSample;
    if (keep) {
      const prev = scheduler.previousTimestep(t);
      const target = prev >= 0 ? scheduler.addNoise(keep.clean, keep.noise, prev) : keep.clean;
      blendOutsideMask(x, target, keep.mask, C);
    }
    const preview = previewEvery > 0 && ((j + 1) % previewEvery === 0 || j === timesteps.length - 1) ? latentPreview(x, C, grid.width, grid.height) : undefined;
    opts.onStep?.({ stage: 'generation', step: j + 1, total: timesteps.length, timestep: t, preview });
  }
  return x;
}

async function decode(model: DiffusionModel, x: Float32Array, width: number, height: number, params: R2RParams, signal?: AbortSignal) {
  const f = model.vaeFactor;
  const unscaled = x.map((v) => v / model.scalingFactor);
  const decoded = await decodeLatent(model, { channels: model.latentChannels, width: width / f, height: height / f, data: unscaled }, params.vaeTiles, signal);
  checkFinite(decoded.data, 'VAE decoder', 'for the final latent');
  return nchwToRgb(decoded.data, width, height);
}

/**
 * Plain img2img: the render encoded, noised to the strength's first timestep with the seed's
 * noise, and denoised with guidance (no inversion, no TAC). The same seed gives the same image.
 */
export async function runImg2Img(model: DiffusionModel, config: Partial<DdimConfig>, inputs: R2RInputs, params: R2RParams, opts: PlainOptions = {}): Promise<PlainResult> {
  const t0 = performance.now();
  const m0 = model.runMs();
  const calls: UnetCallRecord[] = [];
  const { source } = inputs;
  const size = chooseModelSize(source.width, source.height, { width: params.width, height: params.height }, model.sizeMultiple);
  const plan = planFit(source.width, source.height, size.width, size.height);
  const f = model.vaeFactor;
  const grid = { width: plan.width / f, height: plan.height / f };
  if (stepCounts(params.steps, params.strength, 0).k < 1) throw new UserError('bad-option', `strength ${params.strength} with ${params.steps} steps leaves no step to run (int(${params.steps} x ${params.strength}) = 0)`, 'Raise the strength or the steps.');
  const { config: sd, adjustments } = stableDiffusionPipelineConfig(config);
  const { generation } = strengthTimesteps(sd, params.steps, params.strength);
  const scheduler = new DdimScheduler(sd);
  scheduler.setTimesteps(params.steps);
  const image = rgbToNchw(await fitSourceToModel(source, plan, params.background));
  opts.signal?.throwIfAborted();
  const latent = await encodeImage(model, { channels: 3, width: plan.width, height: plan.height, data: image }, params.vaeTiles, opts.signal);
  checkFinite(latent.data, 'VAE encoder', 'for the input image');
  const clean = latent.data.map((v) => v * model.scalingFactor);
  const noise = seededNoise(params.seed, clean.length);
  const start = scheduler.addNoise(clean, noise, generation[0]!);
  const texts = { negative: await model.encodeText(params.negative), prompt: await model.encodeText(params.prompt) };
  const mask = inputs.editMask ? downsampleMask(await fitMaskToModel(inputs.editMask, plan), f).data : undefined;
  const x = await denoise(model, scheduler, generation, start, grid, texts, params.guidance, params.previewEvery, mask ? { mask, clean, noise } : undefined, opts, calls);
  const rgb = await mapModelOutputToSource(await decode(model, x, plan.width, plan.height, params, opts.signal), plan);
  const out = compositeOnSource(source, rgb, inputs.editMask ? featherMask(inputs.editMask, params.featherPx) : undefined);
  if (opts.outputPath) {
    opts.signal?.throwIfAborted();
    await writePngAtomic(opts.outputPath, out);
  }
  const totalMs = performance.now() - t0;
  return { mode: 'img2img', image: out, outputPath: opts.outputPath, plan, provider: model.provider, timings: { total: totalMs }, totalMs, modelMs: model.runMs() - m0, unetCalls: calls, sampleEvaluations: calls.reduce((a, c) => a + c.batch, 0), notes: adjustments };
}

/** Plain txt2img: the seed's noise denoised over all `steps` with guidance, at width x height. */
export async function runTxt2Img(model: DiffusionModel, config: Partial<DdimConfig>, params: R2RParams & { width: number; height: number }, opts: PlainOptions = {}): Promise<PlainResult> {
  const t0 = performance.now();
  const m0 = model.runMs();
  const calls: UnetCallRecord[] = [];
  const size = chooseModelSize(params.width, params.height, { width: params.width, height: params.height }, model.sizeMultiple);
  const f = model.vaeFactor;
  const grid = { width: size.width / f, height: size.height / f };
  const { config: sd, adjustments } = stableDiffusionPipelineConfig(config);
  const scheduler = new DdimScheduler(sd);
  scheduler.setTimesteps(params.steps);
  // DDIM's initial noise sigma is 1: the start latent is the noise itself
  const start = seededNoise(params.seed, model.latentChannels * grid.width * grid.height);
  const texts = { negative: await model.encodeText(params.negative), prompt: await model.encodeText(params.prompt) };
  const x = await denoise(model, scheduler, scheduler.timesteps, start, grid, texts, params.guidance, params.previewEvery, undefined, opts, calls);
  const rgb = await decode(model, x, size.width, size.height, params, opts.signal);
  const data = new Uint8Array(rgb.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(rgb.data[i]! * 255);
  const image: SourceImage = { path: opts.outputPath ?? '', width: size.width, height: size.height, channels: 3, depth: 8, grey: false, data, format: 'png' };
  if (opts.outputPath) {
    opts.signal?.throwIfAborted();
    await writePngAtomic(opts.outputPath, image);
  }
  const totalMs = performance.now() - t0;
  return { mode: 'txt2img', image, outputPath: opts.outputPath, provider: model.provider, timings: { total: totalMs }, totalMs, modelMs: model.runMs() - m0, unetCalls: calls, sampleEvaluations: calls.reduce((a, c) => a + c.batch, 0), notes: adjustments };
}

