import { createHash } from 'node:crypto';
import { GENERATION_DEFAULTS } from '../generation-defaults';
import { UserError } from '../../common/errors';
import { compositeOnSource } from '../image/composite';
import type { FitPlan, Rgb } from '../image/fit';
import { chooseModelSize, DEFAULT_BACKGROUND, fitSourceToModel, mapModelOutputToSource, planFit } from '../image/fit';
import type { Mask } from '../image/mask';
import { downsampleMask, featherMask, fitMaskToModel } from '../image/mask';
import type { SourceImage } from '../image/source-image';
import { nchwToRgb, rgbToNchw } from '../image/tensor-layout';
import { writePngAtomic } from '../image/write-png';
import { INVERSION_ORDERS, type DdimSchedule, type InversionOrder } from './ddim-schedule';
import { stepCounts } from '../../../preload/api/step-counts';
import type { DiffusionModel, UnetCall } from './diffusion-model';
import type { Preview } from './latent-preview';
import { latentPreview } from './latent-preview';
import type { TileSpec } from './tiled';
import { decodeLatent, describeVae, encodeImage } from './tiled';
import { allFinite, blendOutsideMask, guideInto } from './latent-math';
import type { GenerationTrajectory, InversionKey, InvertedLatents, ShotCache, TrajectoryKey } from './shot-cache';
import { cacheKeyHash, reusableSteps } from './shot-cache';
import type { RegionCost, RegionSpec } from './regions';
import { fillRegions } from './regions';
import { generateRegions, regionCompositeWeight } from './region-loop';

/** The knobs of one R2R shot (defaults: the paper's). */
export interface R2RParams {
  /** DDIM steps of the full schedule (50) */
  steps: number;
  /** fraction of the schedule that is inverted and regenerated (0.3: K = 15 steps) */
  strength: number;
  /** TAC runs for the first int(steps x strength x tacRatio) generation steps (0.9: 13 of 15) */
  tacRatio: number;
  /** the order the inversion visits the K timesteps: the reference code's (default) or DDIMInverseScheduler's */
  inversion: InversionOrder;
  /** classifier-free guidance scale g (7.5) */
  guidance: number;
  /** only the noise of the txt2img / img2img modes depends on it; R2R itself is deterministic */
  seed: number;
  /** the conditional prompt ("") */
  prompt: string;
  /** the unconditional prompt: a negative domain embedding's token, or plain text ("") */
  negative: string;
  /** model canvas; default 768x1024 (1024x768 for landscape sources) */
  width?: number;
  height?: number;
  /** what transparent source pixels are composited on before the model sees them */
  background: Rgb;
  /** soft edge of the edit mask, in source pixels, inside the mask */
  featherPx: number;
  /** a latent preview every this many generation steps (0: none) */
  previewEvery: number;
  /** VAE tiles in image pixels, only when asked for; null: encode and decode the whole canvas (exact) */
  vaeTiles: TileSpec | null;
}

export const DEFAULT_R2R_PARAMS: R2RParams = {
  steps: GENERATION_DEFAULTS.steps,
  strength: GENERATION_DEFAULTS.strength,
  tacRatio: GENERATION_DEFAULTS.tacRatio,
  inversion: GENERATION_DEFAULTS.inversion,
  guidance: GENERATION_DEFAULTS.guidance,
  seed: 1,
  prompt: '',
  negative: '',
  background: DEFAULT_BACKGROUND,
  featherPx: 8,
  previewEvery: 5,
  vaeTiles: null,
};

export interface R2RInputs {
  source: SourceImage;
  /** where the shot may change (1) and where the source stays (0), at the source's size */
  editMask?: Mask;
  /** where textures are locked to the render by TAC (1) and where not (0), at the source's size */
  textureLock?: Mask;
  /** parts of the shot with their own settings, layered in order; the rest takes the shot's settings */
  regions?: RegionSpec[];
}

export type R2RStage = 'prepare' | 'encode' | 'inversion' | 'text' | 'generation' | 'decode' | 'composite' | 'write';

export interface R2RStepEvent {
  stage: 'inversion' | 'generation';
  /** 1-based within the stage; a shot resuming a stored trajectory reports the steps it took once */
  step: number;
  total: number;
  timestep: number;
  preview?: Preview;
}

export interface R2ROptions {
  signal?: AbortSignal;
  onStep?: (e: R2RStepEvent) => void;
  /** inversions and generation trajectories of earlier shots, reused and stored */
  cache?: ShotCache;
  /** written atomically (temp file + rename) when given */
  outputPath?: string;
  /** the schedule for another strength of the same steps and scheduler: regions with their own strengths need it */
  scheduleFor?: (strength: number) => DdimSchedule;
}

export interface UnetCallRecord {
  stage: 'inversion' | 'generation';
  batch: number;
  timestep: number;
  /** whether the conditional row used the reference row's query/key */
  tac: boolean;
  ms: number;
}

export interface R2RResult {
  image: SourceImage;
  outputPath?: string;
  plan: FitPlan;
  /** K: inversion steps = generation steps */
  k: number;
  tacSteps: number;
  inversion: InversionOrder;
  /** how the VAE ran: whole canvas or tiles */
  vae: string;
  /** where the run differs from what the model folder says, e.g. scheduler settings the SD pipelines override */
  notes: string[];
  inversionCached: boolean;
  /** generation steps taken from an earlier shot's trajectory (same render, guidance, prompts, masks) */
  generationStepsReused: number;
  provider: string;
  timings: Partial<Record<R2RStage, number>>;
  /** of each stage's time, the part inside model runs */
  modelTimings: Partial<Record<R2RStage, number>>;
  totalMs: number;
  /** time inside model runs (session.run) during this shot */
  modelMs: number;
  unetCalls: UnetCallRecord[];
  /** sum of UNet batch sizes */
  sampleEvaluations: number;
  /** the published code's schedule: batch 2 inversion + batch 4 generation */
  referenceSampleEvaluations: number;
  /** with regions: each layer's K, TAC steps and UNet rows, the rest first */
  regions?: RegionCost[];
}

function checkParams(p: R2RParams): void {
  const bad = (name: string, why: string) => new UserError('bad-option', `${name} ${why}`);
  if (!Number.isInteger(p.steps) || p.steps < 1 || p.steps > 1000) throw bad('steps', `must be a whole number from 1 to 1000, got ${p.steps}`);
  if (!(p.strength > 0 && p.strength <= 1)) throw bad('strength', `must be in (0, 1], got ${p.strength}`);
  if (stepCounts(p.steps, p.strength, 0).k < 1) throw bad('strength', `${p.strength} with ${p.steps} steps leaves no step to run (K = int(${p.steps} x ${p.strength}) = 0)`);
  if (!(p.tacRatio >= 0 && p.tacRatio <= 1)) throw bad('tac ratio', `must be in [0, 1], got ${p.tacRatio}`);
  if (!INVERSION_ORDERS.includes(p.inversion)) throw bad('inversion', `must be ${INVERSION_ORDERS.join(' or ')}, got ${String(p.inversion)}`);
  if (!Number.isFinite(p.guidance) || p.guidance < 0) throw bad('guidance', `must be a number >= 0, got ${p.guidance}`);
}

export function checkFinite(data: Float32Array, component: string, where: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      throw new UserError(
        'model-not-finite',
        `the ${component} produced ${Number.isNaN(v) ? 'NaN' : 'Inf'} values ${where}`,
        'fp16 models can overflow on some providers: try an fp32 export or another --provider; a damaged model file gives this too.',
      );
    }
  }
}

function hashSourceForModel(input: Float32Array, plan: FitPlan): string {
  return hashArrays(JSON.stringify(plan), input);
}

function hashArrays(label: string, ...arrays: Float32Array[]): string {
  const h = createHash('sha256');
  h.update(label);
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

function concatRows(rows: Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
  let o = 0;
  for (const r of rows) {
    out.set(r, o);
    o += r.length;
  }
  return out;
}

/**
 * One FashionR2R shot (realistic image generation): the render is inverted by DDIM with the
 * empty prompt and regenerated with the negative domain embedding as the unconditional
 * prompt, the conditional row taking the reference row's self-attention query and key
 * (TAC) during the first int(steps * strength * tac_ratio) steps.
 */
export async function runR2R(model: DiffusionModel, schedule: DdimSchedule, inputs: R2RInputs, params: R2RParams, opts: R2ROptions = {}): Promise<R2RResult> {
  const { signal, onStep, cache } = opts;
  checkParams(params);
  if (params.tacRatio > 0 && !model.supportsTac) {
    throw new UserError('model-no-tac', 'this UNet has no tac_qk_source input, so texture-preserving attention control cannot run', 'Load the model through R2R Studio so it is adapted, or set the TAC ratio to 0.');
  }
  if (inputs.textureLock && !model.supportsTextureLock) {
    throw new UserError('model-no-texture-lock', 'this UNet was adapted without a texture-lock input', 'Re-adapt the model with texture lock enabled, or drop the texture-lock mask.');
  }
  const timings: Partial<Record<R2RStage, number>> = {};
  const modelTimings: Partial<Record<R2RStage, number>> = {};
  const t0 = performance.now();
  const modelMs0 = model.runMs();
  let mark = t0;
  let modelMark = modelMs0;
  const lap = (stage: R2RStage) => {
    const now = performance.now();
    const m = model.runMs();
    timings[stage] = (timings[stage] ?? 0) + (now - mark);
    modelTimings[stage] = (modelTimings[stage] ?? 0) + (m - modelMark);
    mark = now;
    modelMark = m;
  };
  const unetCalls: UnetCallRecord[] = [];
  const callUnet = async (stage: 'inversion' | 'generation', call: UnetCall, tac: boolean): Promise<Float32Array> => {
    // cancellation is checked before every UNet call, so it takes effect within one call
    signal?.throwIfAborted();
    const start = performance.now();
    const eps = await model.unet(call);
    unetCalls.push({ stage, batch: call.batch, timestep: call.timestep, tac, ms: performance.now() - start });
    // generation checks the rows it uses while guiding, in the same pass
    if (stage === 'inversion') checkFinite(eps, 'UNet', `at timestep ${call.timestep} (${stage})`);
    return eps;
  };

  // 1. resize: the source onto the model canvas (aspect kept, padded, box remembered)
  // a region filled with a colour is painted into the source first: the shot and its kept pixels start from it
  const source = inputs.regions ? fillRegions(inputs.source, inputs.regions) : inputs.source;
  const size = chooseModelSize(source.width, source.height, { width: params.width, height: params.height }, model.sizeMultiple);
  const plan = planFit(source.width, source.height, size.width, size.height);
  const f = model.vaeFactor;
  const lw = plan.width / f;
  const lh = plan.height / f;
  const C = model.latentChannels;
  const perLatent = C * lw * lh;
  const modelInput = await fitSourceToModel(source, plan, params.background);
  const imageNchw = rgbToNchw(modelInput);
  const editLatent = inputs.editMask ? downsampleMask(await fitMaskToModel(inputs.editMask, plan), f) : undefined;
  const lockLatent = inputs.textureLock ? downsampleMask(await fitMaskToModel(inputs.textureLock, plan), f).data : undefined;
  const { k: K, tacSteps } = stepCounts(params.steps, params.strength, params.tacRatio);
  if (schedule.generation.length !== K || schedule.inversion.length !== K) {
    throw new Error(`schedule has ${schedule.generation.length}/${schedule.inversion.length} timesteps, expected K = ${K}`);
  }
  if (schedule.inversionOrder !== params.inversion) throw new Error(`schedule inverts in ${schedule.inversionOrder} order, the params ask for ${params.inversion}`);
  const key: InversionKey = {
    modelId: model.id,
    provider: model.provider,
    imageHash: hashSourceForModel(imageNchw, plan),
    width: plan.width,
    height: plan.height,
    steps: params.steps,
    strength: params.strength,
    scheduler: schedule.config,
    inversionPrompt: '',
    inversionOrder: schedule.inversionOrder,
    tiling: params.vaeTiles ?? 'whole',
  };
  lap('prepare');

  const emptyText = await model.encodeText('');
  checkFinite(emptyText, 'text encoder', 'for the empty prompt');
  lap('text');

  // DDIM inversion of one K (a region with its own strength inverts to its own depth)
  const invertTrajectory = async (sched: DdimSchedule, invKey: InversionKey, k: number): Promise<{ latents: Float32Array[]; cached: boolean }> => {
    let inverted: InvertedLatents | undefined = await cache?.getInversion(invKey);
    const cached = inverted !== undefined && inverted.latents.length === k + 1 && inverted.latents[0]!.length === perLatent;
    if (!cached) {
      // 2. VAE encode: latent mean, scaled by the VAE's scaling factor
      signal?.throwIfAborted();
      const x0 = encodedX0 ?? (await encodeX0());
      lap('encode');

      // 3. DDIM inversion (batch 1, empty prompt, no guidance), storing every intermediate latent in
      //    the order it ran: [x0, after inversion[0], ..., after inversion[K-1]] (the reference code's
      //    latents_list, utils/diffuser_utils.py invert). The official order runs t_K ... t_1, the
      //    ddim order t_1 ... t_K; schedule.inversion holds the one asked for.
      const latents: Float32Array[] = [x0];
      let x: Float32Array = x0;
      for (let i = 0; i < k; i++) {
        const t = sched.inversion[i]!;
        const eps = await callUnet('inversion', { batch: 1, width: lw, height: lh, latents: x, timestep: t, text: emptyText, tacQkSource: model.supportsTac ? [0] : undefined }, false);
        x = sched.invert(eps, t, x);
        latents.push(x);
        onStep?.({ stage: 'inversion', step: i + 1, total: k, timestep: t });
      }
      inverted = { channels: C, width: lw, height: lh, latents };
      lap('inversion');
      // a cache that cannot be written (full disk, read-only folder) costs the next re-tune, not this shot
      await cache?.putInversion(invKey, inverted).catch(() => undefined);
    }
    return { latents: inverted!.latents, cached };
  };
  let encodedX0: Float32Array | undefined;
  const encodeX0 = async (): Promise<Float32Array> => {
    const latent = await encodeImage(model, { channels: 3, width: plan.width, height: plan.height, data: imageNchw }, params.vaeTiles, signal);
    checkFinite(latent.data, 'VAE encoder', 'for the input image');
    encodedX0 = latent.data.map((v) => v * model.scalingFactor);
    return encodedX0;
  };

  if (inputs.regions && inputs.regions.length > 0) {
    const gen = await generateRegions({
      model, params, plan, schedule, scheduleFor: opts.scheduleFor, regions: inputs.regions, editMask: inputs.editMask, lockLatent,
      emptyText, latentShape: { channels: C, width: lw, height: lh },
      invert: (sched, strength, k) => invertTrajectory(sched, { ...key, strength }, k),
      callUnet,
      failNonFinite: (data, component, where) => {
        checkFinite(data, component, where);
        throw new Error(`${component} output was expected to hold a non-finite value ${where}`);
      },
      lap,
      onStep,
    });
    const weight = () => regionCompositeWeight(gen.keptInImage, source.width, source.height, inputs.editMask, params.featherPx);
    return finish(gen.latent, weight, { k: gen.k, tacSteps: gen.tacSteps, inversionCached: gen.inversionCached, generationStepsReused: 0, regions: gen.costs });
  }

  const { latents: inv, cached: inversionCached } = await invertTrajectory(schedule, key, K);

  // 4. text: rows [reference, negative, conditional]; the reference row is the inversion's prompt
  const negText = params.negative === '' ? emptyText : await model.encodeText(params.negative);
  const condText = params.prompt === '' ? emptyText : await model.encodeText(params.prompt);
  checkFinite(negText, 'text encoder', 'for the negative prompt');
  checkFinite(condText, 'text encoder', 'for the prompt');
  const text3 = concatRows([emptyText, negText, condText]);
  const text2 = concatRows([negText, condText]);
  const lock3 = lockLatent ? concatRows([lockLatent, lockLatent, lockLatent]) : undefined;
  const lock2 = lockLatent ? concatRows([lockLatent, lockLatent]) : undefined;
  lap('text');

  // 5. generation from the inverted latent; guidance eps = eps(neg) + g (eps(cond) - eps(neg)).
  //    The first int(steps * strength * tac_ratio) steps run batch 3 [reference, negative, conditional]: the
  //    reference row replays the inversion and lends the conditional row its attn1 query/key; at
  //    step j it holds stored latent K - j, as `ref_intermediate_latents[-1 - i]` in the reference
  //    code's __call__ (utils/diffuser_utils.py), in either inversion order.
  //    After that window the reference row changes nothing (identity TAC, latent replaced each
  //    step), so the remaining steps run batch 2 [negative, conditional] with the same rows.
  //    An earlier shot that differed only in its TAC ratio (or seed) ran the same first
  //    min(T, T') steps: those are taken from its stored trajectory.
  const g = params.guidance;
  const trajectoryKey: TrajectoryKey = {
    inversion: cacheKeyHash(key),
    guidance: g,
    text: hashArrays('negative+conditional', negText, condText),
    editMask: editLatent ? hashArrays('edit', editLatent.data) : null,
    textureLock: lockLatent ? hashArrays('lock', lockLatent) : null,
  };
  const stored = await cache?.getTrajectory(trajectoryKey);
  const usable = stored && stored.channels === C && stored.width === lw && stored.height === lh ? stored : undefined;
  const resume = usable ? reusableSteps(usable, tacSteps, K) : 0;
  const trajectory: Float32Array[] = usable ? usable.latents.slice(0, resume) : [];
  const x = Float32Array.from(resume > 0 ? trajectory[resume - 1]! : inv[K]!);
  if (resume > 0) {
    const preview = params.previewEvery > 0 ? latentPreview(x, C, lw, lh) : undefined;
    onStep?.({ stage: 'generation', step: resume, total: K, timestep: schedule.generation[resume - 1]!, preview });
  }
  const saveTrajectory = (): Promise<void> => {
    const traj: GenerationTrajectory = { channels: C, width: lw, height: lh, tacSteps, latents: trajectory };
    // a cache that cannot be written costs the next re-tune, not this shot
    return trajectory.length > resume && cache ? cache.putTrajectory(trajectoryKey, traj).catch(() => undefined) : Promise.resolve();
  };
  // buffers reused every step: a step's UNet run has finished before the next step writes them
  const latents3 = new Float32Array(3 * perLatent);
  const latents2 = new Float32Array(2 * perLatent);
  const guided = new Float32Array(perLatent);
  try {
    for (let j = resume; j < K; j++) {
      const t = schedule.generation[j]!;
      const tac = j < tacSteps;
      let eps: Float32Array;
      if (tac) {
        latents3.set(inv[K - j]!, 0);
        latents3.set(x, perLatent);
        latents3.set(x, 2 * perLatent);
        eps = await callUnet('generation', { batch: 3, width: lw, height: lh, latents: latents3, timestep: t, text: text3, tacQkSource: [0, 1, 0], textureLock: lock3 }, true);
      } else {
        latents2.set(x, 0);
        latents2.set(x, perLatent);
        eps = await callUnet('generation', { batch: 2, width: lw, height: lh, latents: latents2, timestep: t, text: text2, tacQkSource: model.supportsTac ? [0, 1] : undefined, textureLock: lock2 }, false);
      }
      const neg = tac ? perLatent : 0;
      // the reference row's noise is unused, but a non-finite one still means a broken model
      const finite = guideInto(guided, eps, neg, neg + perLatent, g) && (!tac || allFinite(eps, 0, perLatent));
      if (!finite) checkFinite(eps, 'UNet', `at timestep ${t} (generation)`);
      if (schedule.stepInto) schedule.stepInto(x, guided, t, x);
      else x.set(schedule.step(guided, t, x));
      // outside the edit mask the latent follows the inversion trajectory
      if (editLatent) blendOutsideMask(x, inv[K - j - 1]!, editLatent.data, C);
      if (cache) trajectory.push(Float32Array.from(x));
      const preview = params.previewEvery > 0 && ((j + 1) % params.previewEvery === 0 || j === K - 1) ? latentPreview(x, C, lw, lh) : undefined;
      onStep?.({ stage: 'generation', step: j + 1, total: K, timestep: t, preview });
    }
  } catch (err) {
    // a cancelled shot keeps the steps it finished: running it again starts where it stopped
    if (signal?.aborted) await saveTrajectory();
    throw err;
  }
  await saveTrajectory();
  lap('generation');

  const weight = () => (inputs.editMask ? featherMask(inputs.editMask, params.featherPx) : undefined);
  return finish(x, weight, { k: K, tacSteps, inversionCached, generationStepsReused: resume });

  async function finish(
    final: Float32Array,
    compositeWeight: () => Mask | undefined,
    counts: Pick<R2RResult, 'k' | 'tacSteps' | 'inversionCached' | 'generationStepsReused' | 'regions'>,
  ): Promise<R2RResult> {
    // 6. VAE decode: the whole canvas unless tiles were asked for
    signal?.throwIfAborted();
    const unscaled = final.map((v) => v / model.scalingFactor);
    const decoded = await decodeLatent(model, { channels: C, width: lw, height: lh, data: unscaled }, params.vaeTiles, signal);
    checkFinite(decoded.data, 'VAE decoder', 'for the final latent');
    lap('decode');

    // 7. back to the source's size, composited with the source outside the (feathered) edit mask
    const rgb = await mapModelOutputToSource(nchwToRgb(decoded.data, plan.width, plan.height), plan);
    const image = compositeOnSource(source, rgb, compositeWeight());
    lap('composite');

    // 8. write the PNG whole or not at all
    if (opts.outputPath) {
      signal?.throwIfAborted();
      await writePngAtomic(opts.outputPath, image);
      lap('write');
    }
    const sampleEvaluations = unetCalls.reduce((a, c) => a + c.batch, 0);
    return {
      image,
      outputPath: opts.outputPath,
      plan,
      ...counts,
      inversion: schedule.inversionOrder,
      vae: describeVae(params.vaeTiles),
      notes: schedule.adjustments ?? [],
      provider: model.provider,
      timings,
      modelTimings,
      totalMs: performance.now() - t0,
      modelMs: model.runMs() - modelMs0,
      unetCalls,
      sampleEvaluations,
      referenceSampleEvaluations: 2 * counts.k + 4 * counts.k,
    };
  }
}
