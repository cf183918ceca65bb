import { resolve } from 'node:path';
import { UserError } from '../../common/errors';
import { appVersion } from '../../common/version';
import { openLibrary } from '../../catalog/library';
import { comboIdFor, EXPORT_SOURCES, type ExportSelection, type ExportSource } from '../../export/catalog-candidates';
import { exportFromLibrary } from '../../export/library-export';
import { OUTFIT_PROMPT } from '../../../preload/api/outfit-types';
import { queueProgress, queueProgressLines } from '../../remote/queue-progress';
import { redisOptions } from '../../remote/redis-url';
import type { CliCommand, CliContext } from '../command';
import { needString, optInteger, optString } from '../command';
import { createProgress } from '../progress';

const GENERATE_MODES = ['none', 'missing', 'all'] as const;

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, option: string): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UserError('bad-option', `--${option} must be one of ${allowed.join(', ')}, got '${value}'`);
  }
  return value as T;
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export catalog shots for a marketplace (presets, names, sRGB, metadata); resumable',
  usage:
    '--library <lib> --out <dir> [--preset amazon|zalando|shopify|<file.json>] [--format jpeg|png|webp] [--size <px>] ' +
    '[--source realistic|raytrace|raster] [--category C] [--colorway W] [--text Q] [--tag T] [--combo <id|name>] [--outfits [--combo <id|name> ...] [--redress] [--model <dir>] [--outfit-prompt <text>] [--outfit-seed N]] [--generate none|missing|all --model <dir> [--gen-size WxH|N] [--steps 50] [--negative-embedding <file>] [--provider P] [--cache-dir <dir>] [--queue redis://host:6379 [--attempts 3]]] [--concurrency 2] [--json]',
  options: {
    library: { type: 'string', help: 'library folder to export from; required' },
    out: { type: 'string', help: 'folder for the images and report; the same command again resumes the export; required' },
    preset: { type: 'string', help: 'marketplace preset: amazon (default), zalando, shopify, or a preset .json file' },
    format: { type: 'string', help: 'jpeg (or jpg), png or webp, as the preset allows (default: the first format it lists)' },
    size: { type: 'string', help: 'longest side in whole px, 16-16384, aspect kept, not under the preset minimum (default: preset canvas)' },
    source: { type: 'string', help: 'realistic (default: latest generated shot of each view), raytrace or raster renders' },
    category: { type: 'string', help: 'only garments of this category (slug or name, case-insensitive)' },
    colorway: { type: 'string', help: 'only renders of this colorway (name, case-insensitive)' },
    text: { type: 'string', help: 'only garments whose SKU, name, tags or category match all these word prefixes' },
    tag: { type: 'string', help: 'only garments with this tag' },
    combo: { type: 'string', multiple: true, help: 'only the garments of this outfit (id or name), in its colorways; with --outfits the outfits to dress (repeatable; default every outfit)' },
    outfits: { type: 'boolean', help: "one dressed shot per outfit (combo) and view, named <combo>_<view>.<ext>, instead of garment shots: the outfit's latest dressed shot, else dressed now with --model (--gen-size WxH, --steps)" },
    redress: { type: 'boolean', help: 'with --outfits: dress every outfit view anew instead of exporting its latest dressed shot' },
    'outfit-prompt': { type: 'string', help: `with --outfits: the person, pose and background of the views dressed now (default "${OUTFIT_PROMPT}")` },
    'outfit-seed': { type: 'string', help: 'with --outfits: noise seed of the views dressed now, 0-4294967295 (default 1)' },
    generate: { type: 'string', help: 'generate realistic shots first: none (default), missing (views without one) or all views' },
    model: { type: 'string', help: 'Stable Diffusion ONNX folder to generate with; required with --generate missing|all' },
    'gen-size': { type: 'string', help: 'model canvas WxH, or its longer side N (the other follows the render), multiples of 8 (64 for SD 1.5), 32-4096 (default 768x1024, landscape 1024x768)' },
    steps: { type: 'string', help: 'DDIM steps of generated shots, 1-1000 (default 50)' },
    provider: { type: 'string', help: 'execution provider for generation: auto (default), tensorrt, cuda, dml, coreml, webgpu, cpu' },
    'negative-embedding': { type: 'string', help: 'textual-inversion file (.safetensors, .pt, .bin) used as the negative prompt when generating' },
    'cache-dir': { type: 'string', help: 'generation cache of adapted models and inversions (default $R2R_CACHE_DIR or ~/.cache/r2r-studio)' },
    queue: { type: 'string', help: 'Redis URL (redis://[:password@]host:6379[/db], rediss:// for TLS): `r2r worker`s on other machines make the shots, this machine records and exports them' },
    attempts: { type: 'string', help: 'tries per queued shot before it is marked failed, 1-20 (default 3), with exponential backoff' },
    concurrency: { type: 'string', help: 'images rendered at once, 1-64 (default 2)' },
    json: { type: 'boolean', help: 'print JSON lines (plan, each generated and exported item, summary) instead of progress and text' },
  },
  async run(ctx) {
    const libraryDir = needString(ctx, 'library');
    const outDir = resolve(needString(ctx, 'out'));
    const size = optString(ctx, 'size');
    const source = oneOf<ExportSource>(optString(ctx, 'source'), EXPORT_SOURCES, 'realistic', 'source');
    const generate = oneOf(optString(ctx, 'generate'), GENERATE_MODES, 'none', 'generate');
    const concurrency = optInteger(ctx, 'concurrency', 2, 1, 64);
    const modelDir = optString(ctx, 'model');
    if (generate !== 'none' && modelDir === undefined) {
      throw new UserError('bad-option', `--generate ${generate} needs --model <dir>`, 'Give a Stable Diffusion ONNX folder (e.g. one written by `r2r demo-model`), or export what the library has with --generate none.');
    }
    const genSize = optString(ctx, 'gen-size');
    const selection: ExportSelection = Object.fromEntries(
      (['category', 'colorway', 'text', 'tag'] as const).flatMap((k) => (optString(ctx, k) === undefined ? [] : [[k, optString(ctx, k)!]])),
    );
    const outfits = Boolean(ctx.values.outfits);
    if (ctx.values.redress && !outfits) throw new UserError('bad-option', '--redress goes with --outfits', 'Add --outfits to dress the outfits, or leave out --redress.');
    for (const name of ['outfit-prompt', 'outfit-seed']) {
      if (optString(ctx, name) !== undefined && !outfits) throw new UserError('bad-option', `--${name} goes with --outfits`, `Add --outfits to dress the outfits, or leave out --${name}.`);
    }
    const outfitPrompt = optString(ctx, 'outfit-prompt');
    if (outfitPrompt !== undefined && outfitPrompt.trim() === '') throw new UserError('bad-option', '--outfit-prompt is empty', 'Describe the person, pose and background, e.g. --outfit-prompt "photo of a woman standing, studio".');
    const comboArgs = (ctx.values.combo as string[] | undefined) ?? [];
    if (comboArgs.length > 1 && !outfits) throw new UserError('bad-option', `--combo was given ${comboArgs.length} times; a garment export takes one outfit`, 'Give one --combo, or add --outfits to export the dressed shots of several outfits.');
    // outfit names become ids, so the export job (and its resume) names its combos
    let combos: number[] = [];
    if (comboArgs.length) {
      const lib = openLibrary(libraryDir);
      try {
        combos = comboArgs.map((c) => comboIdFor(lib, c));
      } finally {
        lib.close();
      }
    }
    if (!outfits && combos.length) selection.combo = combos[0];
    const outfitSize = outfits && genSize !== undefined ? parseSize(genSize) : undefined;
    if (outfitSize && 'maxSide' in outfitSize) throw new UserError('bad-option', '--outfits takes --gen-size WIDTHxHEIGHT (a dressed shot has no render to follow)', 'For example --gen-size 512x640.');
    const json = Boolean(ctx.values.json);
    const line = (value: unknown) => ctx.stdout.write(JSON.stringify(value) + '\n');
    const progress = json ? undefined : createProgress(ctx, 'export');
    const genProgress = json ? undefined : createProgress(ctx, outfits ? 'dress' : 'generate');
    const skipped: string[] = [];
    const summary = await exportFromLibrary(
      {
        library: libraryDir,
        outDir,
        preset: optString(ctx, 'preset') ?? 'amazon',
        format: optString(ctx, 'format'),
        size: size === undefined ? undefined : optInteger(ctx, 'size', 0, 16, 16384),
        source,
        selection,
        generate,
        generation:
          generate === 'none'
            ? undefined
            : {
                modelDir: modelDir!,
                ...(genSize === undefined ? {} : parseSize(genSize)),
                ...(optString(ctx, 'steps') === undefined ? {} : { steps: optInteger(ctx, 'steps', 50, 1, 1000) }),
                provider: optString(ctx, 'provider'),
                negativeEmbedding: optString(ctx, 'negative-embedding'),
                cacheDir: optString(ctx, 'cache-dir'),
                ...queueSettings(ctx),
              },
        ...(outfits
          ? {
              outfits: {
                ...(combos.length ? { combos } : {}),
                ...(ctx.values.redress ? { redress: true } : {}),
                ...(modelDir !== undefined ? { model: modelDir } : {}),
                ...(outfitSize ?? {}),
                ...(optString(ctx, 'steps') === undefined ? {} : { steps: optInteger(ctx, 'steps', 20, 1, 1000) }),
                ...(optString(ctx, 'provider') === undefined ? {} : { provider: optString(ctx, 'provider') }),
                ...(optString(ctx, 'cache-dir') === undefined ? {} : { cacheDir: optString(ctx, 'cache-dir') }),
                ...(outfitPrompt === undefined ? {} : { prompt: outfitPrompt.trim() }),
                ...(optString(ctx, 'outfit-seed') === undefined ? {} : { seed: optInteger(ctx, 'outfit-seed', 1, 0, 2 ** 32 - 1) }),
              },
            }
          : {}),
        concurrency,
        creatorTool: `R2R Studio ${appVersion()}`,
      },
      {
        signal: ctx.signal,
        onGeneratePlan: (p) => (json ? line({ event: 'generate-plan', ...p }) : undefined),
        onGenerate: (p) => {
          if (json) line({ event: 'generated', done: p.done, total: p.total, failed: p.failed, ...p.item });
          else genProgress!.update(p.done, p.total, `${p.item.sku} ${p.item.view}`);
        },
        onOutfitPlan: (p) => (json ? line({ event: 'outfit-plan', ...p }) : undefined),
        onOutfit: (p) => {
          if (p.item.status === 'skipped') skipped.push(`skipped ${p.item.combo}${p.item.view ? ` ${p.item.view}` : ''}: ${p.item.error}`);
          if (json) line({ event: 'outfit', done: p.done, total: p.total, ...p.item });
          else genProgress!.update(p.done, p.total, `${p.item.combo} ${p.item.view} ${p.item.status}`);
        },
        onWorkers: (workers, remaining) => {
          if (json) line({ event: 'workers', remaining, etaS: queueProgress(workers, remaining).etaS, workers });
          else ctx.stderr.write(queueProgressLines(workers, remaining).join('\n') + '\n');
        },
        onPlan: (p) => (json ? line({ event: 'plan', ...p }) : undefined),
        onProgress: (p) => {
          if (json) line({ event: 'item', finished: p.finished, total: p.total, failed: p.failed, ...p.item });
          else progress!.update(p.finished, p.total, p.item.file);
        },
      },
    );
    const gen = summary.generation;
    const dressed = summary.outfits;
    if (summary.cancelled) {
      if (json) line({ event: 'cancelled', ...summary });
      else ctx.stderr.write(`export cancelled after ${gen && summary.total === 0 ? `generating ${gen.generated} of ${gen.planned} shots` : `${summary.done} of ${summary.total}`}; run the same command again to resume\n`);
      return 130;
    }
    progress?.done(`${summary.done} exported, ${summary.failed} failed`);
    if (json) line({ event: 'summary', ...summary });
    else {
      ctx.stdout.write(
        [
          ...(dressed ? [`outfits: ${dressed.dressed} dressed (${dressed.sampleEvaluations} sample-evaluations), ${dressed.reused} reused, ${dressed.skipped} skipped`, ...skipped] : []),
          ...(gen ? [`generated ${gen.generated} shot(s)${gen.failed ? `, ${gen.failed} failed` : ''}${gen.alreadyGenerated ? ` (${gen.alreadyGenerated} by an earlier run)` : ''}`] : []),
          `${summary.done} of ${summary.total} exported to ${summary.outDir}${summary.alreadyDone ? ` (${summary.alreadyDone} by an earlier run)` : ''}, ${summary.failed} failed`,
          ...(summary.missing ? [`${summary.missing} view(s) have no generated shot yet and were left out`] : []),
          `report: ${summary.report!.html}`,
        ].join('\n') + '\n',
      );
    }
    return summary.failed || gen?.failed ? 1 : 0;
  },
};

/** `--queue URL [--attempts N]`: shots made by queue workers */
function queueSettings(ctx: CliContext): { queue?: string; attempts?: number } {
  const queue = optString(ctx, 'queue');
  if (queue === undefined) {
    if (optString(ctx, 'attempts') !== undefined) throw new UserError('bad-option', '--attempts goes with --queue', 'Add --queue redis://host:6379, or leave out --attempts.');
    return {};
  }
  // a malformed URL is refused here, before the library is opened
  redisOptions(queue);
  return { queue, attempts: optInteger(ctx, 'attempts', 3, 1, 20) };
}

/** `--gen-size 128x160`: the model canvas of generated shots; `--gen-size 160`: its longer side, the other following each render */
function parseSize(text: string): { width: number; height: number } | { maxSide: number } {
  const side = /^(\d+)$/.exec(text.trim());
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  const width = side ? Number(side[1]) : m ? Number(m[1]) : NaN;
  const height = side ? width : m ? Number(m[2]) : NaN;
  if ((!m && !side) || width < 32 || height < 32 || width > 4096 || height > 4096 || width % 8 || height % 8) {
    throw new UserError('bad-option', `--gen-size must be WIDTHxHEIGHT or one longer side, multiples of 8 between 32 and 4096, got '${text}'`, 'For example --gen-size 512x640 or --gen-size 640; without it the model\'s default canvas (768x1024) is used.');
  }
  return side ? { maxSide: width } : { width, height };
}
