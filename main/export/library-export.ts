import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { openLibrary } from '../catalog/library';
import { UserError } from '../common/errors';
import { selectCandidates, type ExportSelection, type ExportSource } from './catalog-candidates';
import { jobIdFor, runExportJob, type ExportProgress, type ExportSummary } from './export-job';
import type { WorkerState } from '../remote/heartbeat';
import { generateShots, type GenerateMode, type GenerateProgress, type GenerateSummary, type GenerationSettings } from './generate-shots';
import type { ExportJobParams } from './job-store';
import { outfitCandidates, type OutfitProgress, type OutfitSettings, type OutfitSummary } from './outfit-shots';
import { chooseFormat, loadPreset, withLongestSide } from './presets';
import { SqliteJobStore } from './sqlite-job-store';

class GenerationCancelled extends Error {}

/** one export of a library, as the CLI and the app's `export` job describe it */
export interface LibraryExportRequest {
  library: string;
  outDir: string;
  /** built-in preset name or a preset JSON file */
  preset: string;
  format?: string;
  /** longest side in pixels */
  size?: number;
  source: ExportSource;
  selection: ExportSelection;
  generate: 'none' | GenerateMode;
  /** needed when generate is not `none` */
  generation?: GenerationSettings;
  /**
   * an outfits export: one dressed shot per combo and view (combos from `outfits.combos`, else
   * the selection's combo, else every combo) instead of garment shots
   */
  outfits?: OutfitSettings;
  concurrency?: number;
  /** how items are rendered (runExportJob's default: worker threads for big jobs) */
  threads?: 'workers' | 'inline';
  creatorTool: string;
}

export interface LibraryExportHooks {
  signal?: AbortSignal;
  onGeneratePlan?: (info: { total: number; alreadyGenerated: number }) => void;
  onGenerate?: (p: GenerateProgress) => void;
  onOutfitPlan?: (info: { total: number; toDress: number }) => void;
  onOutfit?: (p: OutfitProgress) => void;
  onStatus?: (label: string) => void;
  /** generating on a queue: the workers' state and the shots not yet back */
  onWorkers?: (workers: WorkerState[], remaining: number) => void;
  onPlan?: (info: { jobId: string; total: number; alreadyDone: number; resumed: boolean; missing: number }) => void;
  onProgress?: (p: ExportProgress) => void;
}

export interface LibraryExportResult extends ExportSummary {
  /** views of the selection without a generated shot, left out (realistic source) */
  missing: number;
  generation?: GenerateSummary;
  outfits?: OutfitSummary;
}

/**
 * Runs or resumes an export from a library. With `generate`, the views that need a realistic
 * shot are generated first (each recorded as a generation in the library) and the new job's
 * plan is made from the library afterwards; a job whose plan is already stored skips that
 * step, so a resumed export never generates again what it has exported.
 */
export async function exportFromLibrary(req: LibraryExportRequest, hooks: LibraryExportHooks = {}): Promise<LibraryExportResult> {
  let preset = loadPreset(req.preset);
  if (req.size !== undefined) preset = withLongestSide(preset, req.size);
  const format = chooseFormat(preset, req.format);
  if (req.generate !== 'none') {
    if (!req.generation?.modelDir) {
      throw new UserError('bad-option', `generating ${req.generate} shots needs a model folder`, 'Give --model <dir> (a Stable Diffusion ONNX folder, e.g. one written by `r2r demo-model`).');
    }
    if (req.source !== 'realistic') {
      throw new UserError('bad-option', `generated shots are exported as the realistic source, but the source is ${req.source}`, 'Use --source realistic (the default) with --generate.');
    }
  }
  const outfits = req.outfits && outfitSettingsOf(req);
  const outDir = resolve(req.outDir);
  const lib = openLibrary(req.library);
  const g = req.generation;
  const params: ExportJobParams = {
    library: lib.root,
    outDir,
    preset: preset.name,
    presetSha256: createHash('sha256').update(JSON.stringify(preset)).digest('hex'),
    format,
    source: req.source,
    selection: { ...req.selection },
    generate: req.generate,
    ...(req.generate !== 'none' && g
      ? { generation: { model: resolve(g.modelDir), width: g.width, height: g.height, maxSide: g.maxSide, steps: g.steps, negativeEmbedding: g.negativeEmbedding && resolve(g.negativeEmbedding), ...(g.regionPreset ? { regionPreset: g.regionPreset } : {}) } }
      : {}),
    ...(outfits ? { outfits: { ...outfits, ...(outfits.model ? { model: resolve(outfits.model) } : {}), provider: undefined, cacheDir: undefined } } : {}),
  };
  const jobId = jobIdFor(params);
  let missing = 0;
  let generation: GenerateSummary | undefined;
  let dressed: OutfitSummary | undefined;
  try {
    const summary = await runExportJob({
      params,
      preset,
      format,
      store: new SqliteJobStore(lib.raw),
      candidates: async () => {
        if (outfits) {
          const made = await outfitCandidates({ lib, settings: outfits, jobTag: jobId, signal: hooks.signal, onPlan: hooks.onOutfitPlan, onProgress: hooks.onOutfit, onStatus: hooks.onStatus });
          dressed = made.summary;
          if (dressed.cancelled) throw new GenerationCancelled();
          return made.candidates;
        }
        if (req.generate !== 'none') {
          generation = await generateShots({
            lib,
            selection: req.selection,
            mode: req.generate,
            settings: g!,
            jobTag: jobId,
            signal: hooks.signal,
            onPlan: hooks.onGeneratePlan,
            onProgress: hooks.onGenerate,
            onStatus: hooks.onStatus,
            onWorkers: hooks.onWorkers,
          });
          // a cancelled generation makes no job: the same command carries on from the library
          if (generation.cancelled) throw new GenerationCancelled();
        }
        // a new shot of every view was asked for: export those, not an earlier choice
        const s = selectCandidates(lib, req.selection, req.source, req.generate === 'all' ? 'latest' : 'chosen');
        missing = s.missing.length;
        if (s.candidates.length === 0) {
          throw new UserError(
            'nothing-to-export',
            missing
              ? `none of the ${missing} selected garment view(s) in ${lib.root} has a generated (realistic) shot`
              : `the selection matches no ${req.source === 'realistic' ? '' : req.source + ' '}renders in ${lib.root}`,
            missing ? 'Export the renders with --source raytrace (or raster), generate the shots with --generate missing --model <dir>, or generate them first.' : 'Check the category/text/tag filters against `r2r search`.',
          );
        }
        return s.candidates;
      },
      creatorTool: req.creatorTool,
      concurrency: req.concurrency,
      ...(req.threads ? { threads: req.threads } : {}),
      signal: hooks.signal,
      onPlan: (p) => hooks.onPlan?.({ ...p, missing }),
      onProgress: hooks.onProgress,
    });
    return { ...summary, missing, ...(generation ? { generation } : {}), ...(dressed ? { outfits: dressed } : {}) };
  } catch (err) {
    if (!(err instanceof GenerationCancelled)) throw err;
    return { jobId, resumed: false, total: 0, done: 0, failed: 0, alreadyDone: 0, cancelled: true, outDir, missing, generation, ...(dressed ? { outfits: dressed } : {}) };
  } finally {
    lib.close();
  }
}

/** an outfits export's settings, refusing what only a garment export takes */
function outfitSettingsOf(req: LibraryExportRequest): OutfitSettings {
  const { combo, ...filters } = req.selection;
  const garmentFilters = Object.entries(filters).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (garmentFilters.length) {
    throw new UserError('bad-option', `an outfits export dresses combos; it takes no garment filter (${garmentFilters.join(', ')})`, 'Name the outfits with --combo <id|name> (repeatable), or leave out --outfits to export garment shots.');
  }
  if (req.generate !== 'none') throw new UserError('bad-option', 'an outfits export dresses combos; it does not generate garment shots', 'Leave out --generate, or export the garments in a second run.');
  const o = req.outfits!;
  const combos = o.combos?.length ? [...new Set(o.combos)].sort((a, b) => a - b) : combo !== undefined ? [combo] : undefined;
  return { ...o, ...(combos ? { combos } : {}) };
}
