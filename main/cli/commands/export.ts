import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { UserError } from '../../common/errors';
import { appVersion } from '../../common/version';
import { openLibrary } from '../../catalog/library';
import { EXPORT_SOURCES, selectCandidates, type ExportSource } from '../../export/catalog-candidates';
import { runExportJob, type ExportSummary } from '../../export/export-job';
import { chooseFormat, loadPreset, withLongestSide } from '../../export/presets';
import { SqliteJobStore } from '../../export/sqlite-job-store';
import type { CliCommand } from '../command';
import { needString, optNumber, optString } from '../command';
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
    '[--source realistic|raytrace|raster] [--category C] [--text Q] [--tag T] [--generate none|missing|all --model <dir>] [--concurrency 2] [--json]',
  options: {
    library: { type: 'string' },
    out: { type: 'string' },
    preset: { type: 'string' },
    format: { type: 'string' },
    size: { type: 'string' },
    source: { type: 'string' },
    category: { type: 'string' },
    text: { type: 'string' },
    tag: { type: 'string' },
    generate: { type: 'string' },
    model: { type: 'string' },
    concurrency: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(ctx) {
    const libraryDir = needString(ctx, 'library');
    const outDir = resolve(needString(ctx, 'out'));
    const presetArg = optString(ctx, 'preset') ?? 'amazon';
    let preset = loadPreset(presetArg);
    const size = optString(ctx, 'size');
    if (size !== undefined) preset = withLongestSide(preset, optNumber(ctx, 'size', 0, 16, 16384));
    const format = chooseFormat(preset, optString(ctx, 'format'));
    const source = oneOf<ExportSource>(optString(ctx, 'source'), EXPORT_SOURCES, 'realistic', 'source');
    const generate = oneOf(optString(ctx, 'generate'), GENERATE_MODES, 'none', 'generate');
    const concurrency = optNumber(ctx, 'concurrency', 2, 1, 64);
    if (generate !== 'none') {
      throw new UserError(
        'engine-unavailable',
        `--generate ${generate} needs the R2R generation engine, which is not available in this build of r2r export`,
        'Export the shots the library already has with --generate none (the default), or export renders with --source raytrace|raster.',
      );
    }
    const selection = Object.fromEntries(
      (['category', 'text', 'tag'] as const).flatMap((k) => (optString(ctx, k) === undefined ? [] : [[k, optString(ctx, k)!]])),
    );
    const json = Boolean(ctx.values.json);
    const line = (value: unknown) => ctx.stdout.write(JSON.stringify(value) + '\n');

    const lib = openLibrary(libraryDir);
    let summary: ExportSummary;
    let missing = 0;
    try {
      const progress = json ? undefined : createProgress(ctx, 'export');
      summary = await runExportJob({
        params: {
          library: lib.root,
          outDir,
          preset: preset.name,
          presetSha256: createHash('sha256').update(JSON.stringify(preset)).digest('hex'),
          format,
          source,
          selection,
          generate,
        },
        preset,
        format,
        store: new SqliteJobStore(lib.raw),
        candidates: () => {
          const s = selectCandidates(lib, selection, source);
          missing = s.missing.length;
          if (s.candidates.length === 0) {
            throw new UserError(
              'nothing-to-export',
              missing
                ? `none of the ${missing} selected garment view(s) in ${lib.root} has a generated (realistic) shot`
                : `the selection matches no ${source === 'realistic' ? '' : source + ' '}renders in ${lib.root}`,
              missing ? 'Export the renders with --source raytrace (or raster), or generate the shots first.' : 'Check --category/--text/--tag against `r2r search`.',
            );
          }
          return s.candidates;
        },
        creatorTool: `R2R Studio ${appVersion()}`,
        concurrency,
        signal: ctx.signal,
        onPlan: (p) => (json ? line({ event: 'plan', ...p, missing }) : undefined),
        onProgress: (p) => {
          if (json) line({ event: 'item', finished: p.finished, total: p.total, failed: p.failed, ...p.item });
          else progress!.update(p.finished, p.total, p.item.file);
        },
      });
      progress?.done(`${summary.done} exported, ${summary.failed} failed`);
    } finally {
      lib.close();
    }
    if (summary.cancelled) {
      if (json) line({ event: 'cancelled', ...summary });
      else ctx.stderr.write(`export cancelled after ${summary.done} of ${summary.total}; run the same command again to resume\n`);
      return 130;
    }
    if (json) line({ event: 'summary', ...summary, missing });
    else {
      ctx.stdout.write(
        [
          `${summary.done} of ${summary.total} exported to ${summary.outDir}${summary.alreadyDone ? ` (${summary.alreadyDone} by an earlier run)` : ''}, ${summary.failed} failed`,
          ...(missing ? [`${missing} view(s) have no generated shot yet and were left out`] : []),
          `report: ${summary.report!.html}`,
        ].join('\n') + '\n',
      );
    }
    return summary.failed ? 1 : 0;
  },
};
