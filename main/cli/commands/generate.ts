import { runR2RShot } from '../../inference/pipelines/r2r-shot';
import { describeAttempts } from '../../inference/runtime/provider-choice';
import { DEFAULT_R2R_PARAMS, type R2RParams } from '../../inference/pipelines/r2r';
import { UserError } from '../../common/errors';
import type { CliCommand } from '../command';
import { needString, optNumber, optString, printResult } from '../command';
import { createProgress } from '../progress';

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'turn a render into a realistic shot with FashionR2R (DDIM inversion + TAC + negative domain embedding)',
  usage:
    '--model <dir> --input <image> --out <png> [--steps 50] [--strength 0.3] [--tac 0.9] [--tac-levels 2] [--guidance 7.5] [--seed 1] [--prompt ""] ' +
    '[--negative-embedding <file> | --negative <text>] [--mask <png>] [--texture-lock <png>] [--feather 8] [--width W --height H] [--provider P] [--cache-dir <dir>] [--no-cache] [--json]',
  options: {
    model: { type: 'string' },
    input: { type: 'string' },
    out: { type: 'string' },
    steps: { type: 'string' },
    strength: { type: 'string' },
    tac: { type: 'string' },
    'tac-levels': { type: 'string' },
    guidance: { type: 'string' },
    seed: { type: 'string' },
    prompt: { type: 'string' },
    negative: { type: 'string' },
    'negative-embedding': { type: 'string' },
    mask: { type: 'string' },
    'texture-lock': { type: 'string' },
    feather: { type: 'string' },
    width: { type: 'string' },
    height: { type: 'string' },
    provider: { type: 'string' },
    'cache-dir': { type: 'string' },
    'no-cache': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(ctx) {
    const modelDir = needString(ctx, 'model');
    const input = needString(ctx, 'input');
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
      featherPx: optNumber(ctx, 'feather', DEFAULT_R2R_PARAMS.featherPx, 0, 512),
      width: optSide('width'),
      height: optSide('height'),
    };
    const tacLevels = optNumber(ctx, 'tac-levels', 2, 1, 8);
    if (!Number.isInteger(tacLevels)) throw new UserError('bad-option', `--tac-levels must be a whole number, got ${tacLevels}`);
    const json = Boolean(ctx.values.json);
    const progress = createProgress(ctx, 'generate', { json });
    const res = await runR2RShot(
      {
        modelDir,
        input,
        output: out,
        mask: optString(ctx, 'mask'),
        textureLock: optString(ctx, 'texture-lock'),
        negativeEmbedding: optString(ctx, 'negative-embedding'),
        params,
        provider: optString(ctx, 'provider'),
        tacLevels,
        cacheDir: optString(ctx, 'cache-dir'),
        useInversionCache: !ctx.values['no-cache'],
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
        inversionCached: res.inversionCached,
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
          `K = ${res.k}, TAC on ${res.tacSteps} steps, inversion ${res.inversionCached ? 'from cache' : 'computed'}`,
          `time: ${Object.entries(report.timingsMs).map(([k, v]) => `${k} ${v} ms`).join(', ')}; total ${report.totalMs} ms, in model runs ${report.modelMs} ms`,
        ].join('\n'),
      );
      return 0;
    } finally {
      await loaded.model.dispose();
    }
  },
};
