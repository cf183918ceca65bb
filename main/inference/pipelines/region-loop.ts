import { UserError } from '../../common/errors';
import type { FitPlan } from '../image/fit';
import type { Mask } from '../image/mask';
import { downsampleMask, featherMask, fitMaskToModel } from '../image/mask';
import type { DdimSchedule } from './ddim-schedule';
import type { DiffusionModel, UnetCall } from './diffusion-model';
import { guideInto } from './latent-math';
import type { Preview } from './latent-preview';
import { latentPreview } from './latent-preview';
import type { R2RParams, R2RStage, R2RStepEvent } from './r2r';
import type { RegionCost, RegionLayer, RegionSpec } from './regions';
import { blendNoise, changeMask, featherGeneratedSeams, holdLayers, layerWeights, resolveLayers, sumWeights } from './regions';

export interface RegionLoopContext {
  model: DiffusionModel;
  params: R2RParams;
  plan: FitPlan;
  /** the schedule of the shot's own strength */
  schedule: DdimSchedule;
  scheduleFor?: (strength: number) => DdimSchedule;
  regions: RegionSpec[];
  editMask?: Mask;
  lockLatent?: Float32Array;
  emptyText: Float32Array;
  latentShape: { channels: number; width: number; height: number };
  /** the stored inversion trajectory of depth k, [x0, ..., x_k] */
  invert(schedule: DdimSchedule, strength: number, k: number): Promise<{ latents: Float32Array[]; cached: boolean }>;
  callUnet(stage: 'inversion' | 'generation', call: UnetCall, tac: boolean): Promise<Float32Array>;
  /** throws the shot's non-finite error for this UNet output */
  failNonFinite(data: Float32Array, component: string, where: string): never;
  lap(stage: R2RStage): void;
  onStep?: (e: R2RStepEvent) => void;
}

export interface RegionLoopResult {
  latent: Float32Array;
  /** the deepest layer's K: the shot's generation steps */
  k: number;
  /** the most TAC steps of any layer */
  tacSteps: number;
  inversionCached: boolean;
  costs: RegionCost[];
  /** at the source's size: how much of each pixel belongs to layers kept as the input (strength 0) */
  keptInImage: Float32Array;
}

interface RowGroup {
  negText: Float32Array;
  condText: Float32Array;
  /** the reference latent when the group's layers run TAC this step */
  reference?: Float32Array;
  layers: number[];
  /** row index of the negative row in the step's batch */
  negRow: number;
}

/**
 * The generation of a shot with regions. Each layer (the rest and every region) is held on the
 * inversion trajectory until its own start step, then generated with its own prompts, guidance
 * and TAC window; the step's noise is the layers' guided noise blended by their latent weights.
 * Layers sharing prompts (and, under TAC, the reference latent) share UNet rows; every row's
 * self-attention sees the whole canvas. Kept layers (K = 0) follow the inversion to the end and
 * are restored from the source in the composite.
 */
export async function generateRegions(ctx: RegionLoopContext): Promise<RegionLoopResult> {
  const { model, params, plan, latentShape, emptyText } = ctx;
  const { channels: C, width: lw, height: lh } = latentShape;
  const plane = lw * lh;
  const perLatent = C * plane;
  const specs = ctx.editMask ? [...ctx.regions, { name: 'outside the edit mask', mask: invertMask(ctx.editMask), strength: 0 }] : ctx.regions;
  for (const [i, s] of specs.entries()) {
    if (s.mask.width !== ctx.regions[0]!.mask.width || s.mask.height !== ctx.regions[0]!.mask.height) {
      throw new UserError('bad-regions', `region ${i + 1}${s.name ? ` (${s.name})` : ''}: its mask is ${s.mask.width}x${s.mask.height}, the other masks ${ctx.regions[0]!.mask.width}x${ctx.regions[0]!.mask.height}`);
    }
  }
  const latentMasks = await Promise.all(specs.map(async (s) => downsampleMask(await fitMaskToModel(s.mask, plan), model.vaeFactor).data));
  const hardWeights = layerWeights(latentMasks, plane);
  const present = hardWeights.map((w) => w.some((v) => v > 0));
  const layers = resolveLayers(specs, { strength: params.strength, tacRatio: params.tacRatio, prompt: params.prompt, negative: params.negative, guidance: params.guidance }, params.steps, present);
  const kMax = Math.max(0, ...layers.map((l, i) => (present[i] ? l.k : 0)));
  if (kMax === 0) {
    throw new UserError('bad-regions', 'every region of this shot is kept (strength 0, or too low to run a step), so there is nothing to generate', 'Give a region a strength above 0, or drop the regions.');
  }
  if (layers.some((l, i) => present[i] && l.tacRatio > 0 && l.tacSteps > 0) && !model.supportsTac) {
    throw new UserError('model-no-tac', 'this UNet has no tac_qk_source input, so a region\'s TAC cannot run', 'Load the model through R2R Studio so it is adapted, or set the regions\' TAC to 0.');
  }
  const generated = layers.map((l, i) => present[i]! && l.k > 0);
  const weights = featherGeneratedSeams(hardWeights, generated, lw, lh, params.featherPx / model.vaeFactor);

  // one inversion per depth: layers whose strengths give the same K share it
  const byK = new Map<number, { latents: Float32Array[]; cached: boolean; ranFor: number }>();
  const scheduleOf = (layer: RegionLayer): DdimSchedule => {
    if (layer.strength === params.strength) return ctx.schedule;
    if (!ctx.scheduleFor) throw new Error('regions with their own strength need R2ROptions.scheduleFor');
    return ctx.scheduleFor(layer.strength);
  };
  const deepest = layers.findIndex((l, i) => generated[i] && l.k === kMax);
  const mainSchedule = scheduleOf(layers[deepest]!);
  for (const [i, layer] of layers.entries()) {
    if (!generated[i] || byK.has(layer.k)) continue;
    const inv = await ctx.invert(layer.k === kMax ? mainSchedule : scheduleOf(layer), layer.strength, layer.k);
    byK.set(layer.k, { ...inv, ranFor: i });
  }
  const deepInv = byK.get(kMax)!.latents;

  // text rows: one encoding per distinct prompt
  const texts = new Map<string, Float32Array>([['', emptyText]]);
  const encode = async (prompt: string, what: string): Promise<Float32Array> => {
    let t = texts.get(prompt);
    if (!t) {
      t = await model.encodeText(prompt);
      for (const v of t) if (v - v !== 0) ctx.failNonFinite(t, 'text encoder', `for the ${what} "${prompt}"`);
      texts.set(prompt, t);
    }
    return t;
  };
  for (const [i, l] of layers.entries()) {
    if (!generated[i]) continue;
    await encode(l.negative, 'negative prompt');
    await encode(l.prompt, 'prompt');
  }
  ctx.lap('text');

  const costs: RegionCost[] = layers.map((l, i) => ({
    name: l.name,
    strength: l.strength,
    k: present[i] ? l.k : 0,
    tacSteps: generated[i] ? l.tacSteps : 0,
    sampleEvaluations: 0,
    inversionSteps: generated[i] && byK.get(l.k)!.ranFor === i && !byK.get(l.k)!.cached ? l.k : 0,
  }));
  const generation = mainSchedule.generation;
  const x = Float32Array.from(deepInv[kMax]!);
  const guidedBy = layers.map(() => new Float32Array(perLatent));
  const blended = new Float32Array(perLatent);
  for (let j = 0; j < kMax; j++) {
    const t = generation[j]!;
    const active = layers.map((_, i) => i).filter((i) => generated[i] && j >= layers[i]!.start);
    const groups = new Map<string, RowGroup>();
    for (const i of active) {
      const l = layers[i]!;
      const local = j - l.start;
      const tac = local < l.tacSteps;
      const key = `${l.negative}\u0000${l.prompt}\u0000${tac ? l.k : '-'}`;
      const group = groups.get(key) ?? { negText: texts.get(l.negative)!, condText: texts.get(l.prompt)!, reference: tac ? byK.get(l.k)!.latents[l.k - local] : undefined, layers: [], negRow: 0 };
      group.layers.push(i);
      groups.set(key, group);
    }
    const rows: { latent: Float32Array; text: Float32Array; qk: number }[] = [];
    for (const g of groups.values()) {
      if (g.reference) {
        const ref = rows.length;
        rows.push({ latent: g.reference, text: emptyText, qk: ref });
        g.negRow = rows.length;
        rows.push({ latent: x, text: g.negText, qk: g.negRow }, { latent: x, text: g.condText, qk: ref });
      } else {
        g.negRow = rows.length;
        rows.push({ latent: x, text: g.negText, qk: g.negRow }, { latent: x, text: g.condText, qk: g.negRow + 1 });
      }
    }
    const anyTac = [...groups.values()].some((g) => g.reference);
    const tokenMask = stepTokenMask(layers, weights, generated, j, plane, ctx.lockLatent);
    const call: UnetCall = {
      batch: rows.length,
      width: lw,
      height: lh,
      latents: concat(rows.map((r) => r.latent)),
      timestep: t,
      text: concat(rows.map((r) => r.text)),
      tacQkSource: model.supportsTac ? rows.map((r) => r.qk) : undefined,
      textureLock: tokenMask && model.supportsTextureLock ? concat(rows.map(() => tokenMask)) : undefined,
    };
    const eps = await ctx.callUnet('generation', call, anyTac);
    const parts: { eps: Float32Array; weight: Float32Array }[] = [];
    for (const g of groups.values()) {
      const negAt = g.negRow * perLatent;
      for (const i of g.layers) {
        if (!guideInto(guidedBy[i]!, eps, negAt, negAt + perLatent, layers[i]!.guidance)) ctx.failNonFinite(eps, 'UNet', `at timestep ${t} (generation, ${layers[i]!.name})`);
        parts.push({ eps: guidedBy[i]!, weight: weights[i]! });
        costs[i]!.sampleEvaluations += g.reference ? 3 : 2;
      }
    }
    blendNoise(blended, parts, C);
    if (mainSchedule.stepInto) mainSchedule.stepInto(x, blended, t, x);
    else x.set(mainSchedule.step(blended, t, x));
    holdInactive(x, layers, weights, present, generated, j + 1, kMax, deepInv, byK, plane, C, active);
    const preview: Preview | undefined = params.previewEvery > 0 && ((j + 1) % params.previewEvery === 0 || j === kMax - 1) ? latentPreview(x, C, lw, lh) : undefined;
    ctx.onStep?.({ stage: 'generation', step: j + 1, total: kMax, timestep: t, preview });
  }
  ctx.lap('generation');

  const kept = layers.map((_, i) => i).filter((i) => !generated[i]);
  const sourceMasks = specs.map((s) => s.mask.data);
  const imageWeights = layerWeights(sourceMasks, specs[0]!.mask.width * specs[0]!.mask.height);
  return {
    latent: x,
    k: kMax,
    tacSteps: Math.max(0, ...costs.map((c) => c.tacSteps)),
    inversionCached: [...byK.values()].every((v) => v.cached),
    costs,
    keptInImage: sumWeights(imageWeights, kept, specs[0]!.mask.width * specs[0]!.mask.height),
  };
}

/** the composite's weight at the source's size: generated pixels blended in, kept layers restored bit for bit */
export function regionCompositeWeight(keptInImage: Float32Array, width: number, height: number, editMask: Mask | undefined, featherPx: number): Mask | undefined {
  const change = changeMask(keptInImage, width, height, editMask);
  return change.data.every((v) => v >= 1) ? undefined : featherMask(change, featherPx);
}

/**
 * The TAC token mask of a step: tokens of layers under TAC and of layers not being generated
 * (whose latent is the reference's own trajectory) take the reference's query/key; tokens of
 * layers generating without TAC keep their own. Undefined when it is 1 everywhere.
 */
function stepTokenMask(layers: RegionLayer[], weights: Float32Array[], generated: boolean[], j: number, plane: number, lock?: Float32Array): Float32Array | undefined {
  const free = layers.map((_, i) => i).filter((i) => generated[i] && j >= layers[i]!.start && j - layers[i]!.start >= layers[i]!.tacSteps);
  if (free.length === 0 && !lock) return undefined;
  const own = sumWeights(weights, free, plane);
  const mask = new Float32Array(plane);
  for (let p = 0; p < plane; p++) mask[p] = Math.max(0, 1 - own[p]!) * (lock ? lock[p]! : 1);
  return mask;
}

/**
 * After step j - 1, the layers not generated in it are set to their trajectories at the next
 * level: a layer starting now to its own inverted latent, the others to the deepest inversion's.
 */
function holdInactive(
  x: Float32Array,
  layers: RegionLayer[],
  weights: Float32Array[],
  present: boolean[],
  generated: boolean[],
  next: number,
  kMax: number,
  deepInv: Float32Array[],
  byK: Map<number, { latents: Float32Array[] }>,
  plane: number,
  channels: number,
  active: number[],
): void {
  const held: { target: Float32Array; weight: Float32Array }[] = [];
  for (const [i, l] of layers.entries()) {
    if (!present[i] || active.includes(i)) continue;
    const startsNow = generated[i] && l.start === next;
    held.push({ target: startsNow ? byK.get(l.k)!.latents[l.k]! : deepInv[kMax - next]!, weight: weights[i]! });
  }
  if (held.length === 0) return;
  holdLayers(x, sumWeights(weights, active, plane), held, channels);
}

function invertMask(mask: Mask): Mask {
  return { ...mask, data: mask.data.map((v) => 1 - v) };
}

function concat(rows: Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
  let o = 0;
  for (const r of rows) {
    out.set(r, o);
    o += r.length;
  }
  return out;
}
