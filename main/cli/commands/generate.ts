import { readMask } from '../../inference/image/mask';
import { readSourceImage } from '../../inference/image/source-image';
import { checkPngOutputPath } from '../../inference/image/write-png';
import { loadR2RModel } from '../../inference/pipelines/load-r2r-model';
import { runImg2Img, runTxt2Img, type PlainMode } from '../../inference/pipelines/plain-diffusion';
import { describeAttempts } from '../../inference/runtime/provider-choice';
import { DEFAULT_R2R_PARAMS, type R2RParams, type R2RStepEvent } from '../../inference/pipelines/r2r';
import { INVERSION_ORDERS, type InversionOrder } from '../../inference/pipelines/ddim-schedule';
import { vaeTilesFor } from '../../inference/pipelines/tiled';
import { readRegionsFile } from '../../inference/pipelines/regions-file';
import { stepCounts } from '../../../preload/api/step-counts';
import { UserError } from '../../common/errors';
import { makeFileShot } from '../../shots/file-shot';
import type { CliCommand, CliContext } from '../command';
import { needString, optNumber, optString, printResult } from '../command';
import { createProgress, type ProgressReporter } from '../progress';

// the CLI help's example uses the engine's own count
const DEFAULT_STEPS = stepCounts(DEFAULT_R2R_PARAMS.steps, DEFAULT_R2R_PARAMS.strength, DEFAULT_R2R_PARAMS.tacRatio);

function inversionOption(value: string | undefined): InversionOrder {
  if (value === undefined) return DEFAULT_R2R_PARAMS.inversion;
  if ((INVERSION_ORDERS as readonly string[]).includes(value)) return value as InversionOrder;
  throw new UserError('bad-option', `--inversion must be ${INVERSION_ORDERS.join(' or ')}, got '${value}'`, 'official (the default) is the reference code\'s order, which the method\'s defaults were tuned on.');
}

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'turn a render into a realistic shot with FashionR2R (DDIM inversion + TAC + negative domain embedding)',
  usage:
    '[--mode r2r|img2img|txt2img] --model <dir> --input <image> --out <png> [--steps 50] [--strength 0.3] [--tac 0.9] [--inversion official|ddim] [--tac-levels 2] [--guidance 7.5] [--seed 1] [--prompt ""] ' +
    '[--negative-embedding <file> | --negative <text>] [--mask <png>] [--texture-lock <png>] [--regions <json>] [--feather 8] [--width W --height H] [--vae-tiles 512] [--provider P] [--cache-dir <dir>] [--no-cache] [--json]',
  options: {
    mode: { type: 'string', help: 'r2r (default: inversion + TAC, keeps the render texture), img2img or txt2img (plain SD)' },
    model: { type: 'string', help: 'Stable Diffusion ONNX folder (optimum layout, e.g. from `r2r demo-model`); required' },
    input: { type: 'string', help: 'render image to turn into a shot; required except with --mode txt2img' },
    out: { type: 'string', help: 'PNG file to write; required' },
    steps: { type: 'string', help: 'DDIM steps of the full schedule, whole number 1-1000 (default 50)' },
    strength: { type: 'string', help: 'fraction of the steps inverted (img2img: noised) and regenerated, 0.001-1 (default 0.3)' },
    tac: { type: 'string', help: `texture-preserving attention control on the first int(steps x strength x tac) of the K = int(steps x strength) steps, 0-1 (default 0.9: ${DEFAULT_STEPS.tacSteps} of ${DEFAULT_STEPS.k})` },
    inversion: { type: 'string', help: 'order of the DDIM inversion: official (default; the reference code walks t_K ... t_1) or ddim (DDIMInverseScheduler, t_1 ... t_K); they give different shots' },
    'tac-levels': { type: 'string', help: 'how many of the highest-resolution UNet attention levels get TAC, 1-8 (default 2)' },
    guidance: { type: 'string', help: 'classifier-free guidance scale, 0-100 (default 7.5)' },
    seed: { type: 'string', help: 'noise seed for img2img/txt2img (r2r is deterministic), 0-4294967295 (default 1)' },
    prompt: { type: 'string', help: 'conditional prompt (default empty)' },
    negative: { type: 'string', help: 'negative prompt text (default empty); not with --negative-embedding' },
    'negative-embedding': { type: 'string', help: 'textual-inversion file (.safetensors, .pt, .bin) whose token(s) become the negative prompt' },
    mask: { type: 'string', help: 'edit mask image: white may change, black keeps the input pixels (r2r, img2img)' },
    'texture-lock': { type: 'string', help: 'mask image: TAC locks textures to the render where white, not where black (r2r)' },
    regions: {
      type: 'string',
      help: 'JSON file listing regions with their own settings, e.g. [{"mask": "face.png", "strength": 0.5, "tac": 0, "prompt": "photo of a person"}, {"mask": "bg.png", "strength": 0}]; masks relative to the file, white = the region, unset fields and uncovered pixels take the shot\'s settings (r2r)',
    },
    feather: { type: 'string', help: 'soft edge of --mask, inside it, in input pixels, 0-512 (default 8)' },
    width: { type: 'string', help: 'model canvas width, multiple of 64 for SD 1.5 (default 768, landscape input 1024, txt2img 512)' },
    height: { type: 'string', help: 'model canvas height (default 1024, landscape input 768, txt2img 512); alone: width follows input' },
    'vae-tiles': { type: 'string', help: 'encode and decode in overlapping VAE tiles of this side in pixels (multiple of 64, e.g. 512) when the whole canvas runs out of memory; tiles change the image slightly (default: whole canvas)' },
    provider: { type: 'string', help: 'execution provider: auto (default), tensorrt, cuda, dml, coreml, webgpu or cpu' },
    'cache-dir': { type: 'string', help: 'cache of adapted models, inversions and trajectories (default $R2R_CACHE_DIR or ~/.cache/r2r-studio)' },
    'no-cache': { type: 'boolean', help: 'neither read nor write cached inversions and trajectories: run every step (r2r)' },
    json: { type: 'boolean', help: 'print the run report (output, provider, timings, UNet calls) as JSON instead of text' },
  },
  async run(ctx) {
    const mode = optString(ctx, 'mode') ?? 'r2r';
    if (mode !== 'r2r' && mode !== 'img2img' && mode !== 'txt2img') {
      throw new UserError('bad-option', `--mode must be r2r, img2img or txt2img, got '${mode}'`, 'r2r (the default) keeps the render\'s texture; img2img and txt2img are the plain Stable Diffusion modes.');
    }
    const modelDir = needString(ctx, 'model');
    const input = mode === 'txt2img' ? '' : needString(ctx, 'input');
    const out = needString(ctx, 'out');
    if (optString(ctx, 'negative') !== undefined && optString(ctx, 'negative-embedding') !== undefined) {
      throw new UserError('bad-option', '--negative and --negative-embedding cannot be used together', 'The negative domain embedding is the negative prompt; give one or the other.');
    }
    const optSide = (name: string) => (optString(ctx, name) === undefined ? undefined : optNumber(ctx, name, 0, 1, 16384));
    const params: R2RParams = {
      ...DEFAULT_R2R_PARAMS,
      steps: optNumber(ctx, 'steps', DEFAULT_R2R_PARAMS.steps, 1, 1000),
      strength: optNumber(ctx, 'strength', DEFAULT_R2R_PARAMS.strength, 0.001, 1),
      tacRatio: optNumber(ctx, 'tac', DEFAULT_R2R_PARAMS.tacRatio, 0, 1),
      guidance: optNumber(ctx, 'guidance', DEFAULT_R2R_PARAMS.guidance, 0, 100),
      seed: optNumber(ctx, 'seed', DEFAULT_R2R_PARAMS.seed, 0, 2 ** 32 - 1),
      prompt: optString(ctx, 'prompt') ?? '',
      negative: optString(ctx, 'negative') ?? '',
      inversion: inversionOption(optString(ctx, 'inversion')),
      vaeTiles: vaeTilesFor(optString(ctx, 'vae-tiles') === undefined ? undefined : optNumber(ctx, 'vae-tiles', 512, 128, 16384)),
      featherPx: optNumber(ctx, 'feather', DEFAULT_R2R_PARAMS.featherPx, 0, 512),
      width: optSide('width'),
      height: optSide('height'),
    };
    const tacLevels = optNumber(ctx, 'tac-levels', 2, 1, 8);
    if (!Number.isInteger(tacLevels)) throw new UserError('bad-option', `--tac-levels must be a whole number, got ${tacLevels}`);
    const json = Boolean(ctx.values.json);
    const progress = createProgress(ctx, 'generate', { json });
    const regionsPath = optString(ctx, 'regions');
    if (mode !== 'r2r' && regionsPath !== undefined) throw new UserError('bad-option', `--regions works with --mode r2r, not ${mode}`, 'Regions follow R2R\'s inverted trajectories; drop --mode or --regions.');
    const regions = regionsPath !== undefined ? await readRegionsFile(regionsPath) : undefined;
    if (mode !== 'r2r') return runPlainMode(ctx, mode, { modelDir, input, out, params, tacLevels, progress });
    const res = await makeFileShot(
      {
        modelDir,
        input,
        output: out,
        mask: optString(ctx, 'mask'),
        textureLock: optString(ctx, 'texture-lock'),
        negativeEmbedding: optString(ctx, 'negative-embedding'),
        ...(regions ? { regions } : {}),
        params,
        provider: optString(ctx, 'provider'),
        tacLevels,
        cacheDir: optString(ctx, 'cache-dir'),
        useCache: !ctx.values['no-cache'],
      },
      {
        signal: ctx.signal,
        onProgress: (label) => progress.update(0, 1, label),
        onStep: (e) => progress.update(e.stage === 'inversion' ? e.step : e.total + e.step, 2 * e.total, `${e.stage} t=${e.timestep}`),
      },
    );
    const { loaded, source } = res;
    try {
      progress.done(`${res.sampleEvaluations} UNet sample-evaluations`);
      const byBatch: Record<string, number> = {};
      for (const c of res.unetCalls) byBatch[c.batch] = (byBatch[c.batch] ?? 0) + 1;
      const report = {
        output: res.outputPath,
        provider: res.provider,
        providerAttempts: describeAttempts(loaded.providerChoice),
        model: { dir: modelDir, adapted: loaded.adapted.dir, adaptedNow: loaded.adapted.built, tacLevels: loaded.adapted.report.tac.levels, tacLayers: loaded.adapted.report.tac.layers.length },
        negative: loaded.negativePrompt !== undefined ? { embedding: optString(ctx, 'negative-embedding'), prompt: loaded.negativePrompt } : { prompt: res.params.negative },
        canvas: { width: res.plan.width, height: res.plan.height, box: res.plan.box },
        k: res.k,
        tacSteps: res.tacSteps,
        inversion: res.inversion,
        vae: res.vae,
        notes: res.notes,
        inversionCached: res.inversionCached,
        generationStepsReused: res.generationStepsReused,
        ...(res.regions ? { regions: res.regions } : {}),
        timingsMs: Object.fromEntries(Object.entries(res.timings).map(([k, v]) => [k, Math.round(v! * 10) / 10])),
        totalMs: Math.round(res.totalMs),
        modelMs: Math.round(res.modelMs),
        unet: {
          calls: res.unetCalls.length,
          callsByBatchSize: byBatch,
          sampleEvaluations: res.sampleEvaluations,
          referenceSampleEvaluations: res.referenceSampleEvaluations,
          log: res.unetCalls.map((c) => ({ stage: c.stage, batch: c.batch, timestep: c.timestep, tac: c.tac, ms: Math.round(c.ms * 10) / 10 })),
        },
      };
      printResult(ctx, report, () =>
        [
          `wrote ${res.outputPath} (${source.width}x${source.height}; model canvas ${res.plan.width}x${res.plan.height}) on ${res.provider}`,
          `UNet: ${res.unetCalls.length} calls (${Object.entries(byBatch).map(([b, n]) => `${n} x batch ${b}`).join(', ')}) = ${res.sampleEvaluations} sample-evaluations (reference schedule: ${res.referenceSampleEvaluations})`,
          ...res.notes.map((n) => `note: ${n}`),
          ...(res.regions ?? []).map((r) => `region ${r.name}: strength ${r.strength}, K = ${r.k}, TAC on ${r.tacSteps} steps, ${r.sampleEvaluations} sample-evaluations${r.inversionSteps > 0 ? `, ${r.inversionSteps} inversion steps` : ''}`),
          `K = ${res.k}, TAC on ${res.tacSteps} steps, ${res.inversion} inversion ${res.inversionCached ? 'from cache' : 'computed'}, ${res.vae}${res.generationStepsReused > 0 ? `, ${res.generationStepsReused} generation steps from an earlier shot's trajectory` : ''}`,
          `time: ${Object.entries(report.timingsMs).map(([k, v]) => `${k} ${v} ms`).join(', ')}; total ${report.totalMs} ms, in model runs ${report.modelMs} ms`,
        ].join('\n'),
      );
      return 0;
    } finally {
      await loaded.model.dispose();
    }
  },
};

/** `--mode img2img | txt2img`: the plain modes on the same model, sessions and image I/O */
async function runPlainMode(
  ctx: CliContext,
  mode: PlainMode,
  a: { modelDir: string; input: string; out: string; params: R2RParams; tacLevels: number; progress: ProgressReporter },
): Promise<number> {
  await checkPngOutputPath(a.out);
  const source = mode === 'img2img' ? await readSourceImage(a.input, undefined, 'input image') : undefined;
  const maskPath = optString(ctx, 'mask');
  const editMask = source && maskPath ? await readMask(maskPath, source.width, source.height, 'mask') : undefined;
  const loaded = await loadR2RModel(a.modelDir, {
    provider: optString(ctx, 'provider'),
    tacLevels: a.tacLevels,
    cacheDir: optString(ctx, 'cache-dir'),
    negativeEmbedding: optString(ctx, 'negative-embedding'),
    signal: ctx.signal,
    onProgress: (label) => a.progress.update(0, 1, label),
  });
  try {
    const params = { ...a.params, negative: loaded.negativePrompt ?? a.params.negative };
    const opts = { signal: ctx.signal, outputPath: a.out, onStep: (e: R2RStepEvent) => a.progress.update(e.step, e.total, `t=${e.timestep}`) };
    const res = source
      ? await runImg2Img(loaded.model, loaded.scheduler, { source, editMask }, params, opts)
      : await runTxt2Img(loaded.model, loaded.scheduler, { ...params, width: params.width ?? 512, height: params.height ?? 512 }, opts);
    a.progress.done(`${res.sampleEvaluations} UNet sample-evaluations`);
    const report = {
      mode,
      output: res.outputPath,
      provider: res.provider,
      providerAttempts: describeAttempts(loaded.providerChoice),
      seed: params.seed,
      size: { width: res.image.width, height: res.image.height },
      notes: res.notes,
      totalMs: Math.round(res.totalMs),
      modelMs: Math.round(res.modelMs),
      unet: { calls: res.unetCalls.length, batchSize: 2, sampleEvaluations: res.sampleEvaluations, log: res.unetCalls.map((c) => ({ batch: c.batch, timestep: c.timestep, ms: Math.round(c.ms * 10) / 10 })) },
    };
    printResult(ctx, report, () =>
      [
        `wrote ${res.outputPath} (${mode}, ${res.image.width}x${res.image.height}, seed ${params.seed}) on ${res.provider}`,
        ...res.notes.map((n) => `note: ${n}`),
        `UNet: ${res.unetCalls.length} calls of batch 2 = ${res.sampleEvaluations} sample-evaluations; total ${report.totalMs} ms, in model runs ${report.modelMs} ms`,
      ].join('\n'),
    );
    return 0;
  } finally {
    await loaded.model.dispose();
  }
}
