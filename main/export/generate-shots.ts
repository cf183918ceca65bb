import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { isUserError } from '../common/errors';
import type { Library } from '../catalog/library';
import { insertGeneration, listGenerations, storeGenerationOutput, updateGeneration } from '../catalog/queries/generations';
import type { Render } from '../catalog/types';
import type { LoadedModel } from '../inference/pipelines/load-r2r-model';
import type { R2RParams } from '../inference/pipelines/r2r';
import { rendersByView, selectGarments, type ExportSelection } from './catalog-candidates';

export type GenerateMode = 'missing' | 'all';

/** how the export generates realistic shots; part of the export job's identity */
export interface GenerationSettings {
  modelDir: string;
  /** model canvas; absent: the engine's default (768x1024) */
  width?: number;
  height?: number;
  steps?: number;
  provider?: string;
  negativeEmbedding?: string;
  cacheDir?: string;
}

export interface GenerateProgress {
  done: number;
  total: number;
  failed: number;
  item: { sku: string; colorway: string; view: string; renderId: number; generationId: number; status: 'done' | 'failed'; error?: string };
}

export interface GenerateSummary {
  /** views that needed a shot when this run started */
  planned: number;
  generated: number;
  failed: number;
  /** views this export job had already generated in an earlier (killed) run */
  alreadyGenerated: number;
  cancelled: boolean;
}

interface ViewToGenerate {
  sku: string;
  colorway: string;
  view: string;
  render: Render;
}

/** raytraced renders are closer to a photo than raster ones, so they are the preferred input */
function preferredRender(renders: Render[]): Render {
  return renders.find((r) => r.kind === 'raytrace') ?? renders[0]!;
}

/** the tag an export job puts on the generations it makes, so a resumed job finds them */
export const EXPORT_JOB_PARAM = 'exportJob';

/**
 * The garment views of a selection that need a generated shot: `missing` takes views without
 * any finished generation, `all` every view except those this export job already generated
 * (a killed run resumed does not generate them again).
 */
export function viewsToGenerate(lib: Library, selection: ExportSelection, mode: GenerateMode, jobTag: string): { todo: ViewToGenerate[]; alreadyGenerated: number } {
  const todo: ViewToGenerate[] = [];
  let alreadyGenerated = 0;
  for (const g of selectGarments(lib, selection)) {
    for (const renders of rendersByView(g.renders)) {
      const done = renders.flatMap((r) => listGenerations(lib, { renderId: r.id, status: 'done' })).filter((x) => x.outputPath);
      const ours = done.filter((x) => x.params[EXPORT_JOB_PARAM] === jobTag);
      if (ours.length > 0) {
        alreadyGenerated++;
        continue;
      }
      if (mode === 'missing' && done.length > 0) continue;
      todo.push({ sku: g.sku, colorway: renders[0]!.colorway, view: renders[0]!.view, render: preferredRender(renders) });
    }
  }
  return { todo, alreadyGenerated };
}

/** generations of this job left `running` by a killed process are marked failed */
function closeInterrupted(lib: Library, jobTag: string): void {
  for (const g of listGenerations(lib, { status: 'running' })) {
    if (g.params[EXPORT_JOB_PARAM] === jobTag) updateGeneration(lib, g.id, { status: 'failed', error: 'interrupted: the export was stopped while this shot was generated' });
  }
}

/**
 * Generates realistic shots for the views of a selection with the R2R engine, loading the
 * model once for the whole batch, and records each as a finished generation in the library
 * (the output image stored as an asset, the parameters in the record). One failing view does
 * not stop the others; a cancel stops after marking the running shot cancelled.
 */
export async function generateShots(opts: {
  lib: Library;
  selection: ExportSelection;
  mode: GenerateMode;
  settings: GenerationSettings;
  jobTag: string;
  signal?: AbortSignal;
  onPlan?: (info: { total: number; alreadyGenerated: number }) => void;
  onProgress?: (p: GenerateProgress) => void;
  onStatus?: (label: string) => void;
}): Promise<GenerateSummary> {
  const { lib, settings, jobTag } = opts;
  closeInterrupted(lib, jobTag);
  const { todo, alreadyGenerated } = viewsToGenerate(lib, opts.selection, opts.mode, jobTag);
  opts.onPlan?.({ total: todo.length, alreadyGenerated });
  const summary: GenerateSummary = { planned: todo.length, generated: 0, failed: 0, alreadyGenerated, cancelled: false };
  if (todo.length === 0) return summary;
  // the engine loads only when there is something to generate (onnxruntime is heavy)
  const { runR2RShot } = await import('../inference/pipelines/r2r-shot');
  const { loadR2RModel } = await import('../inference/pipelines/load-r2r-model');
  const { DEFAULT_R2R_PARAMS } = await import('../inference/pipelines/r2r');
  const modelDir = resolve(settings.modelDir);
  const params: Partial<R2RParams> = {
    ...(settings.width !== undefined ? { width: settings.width } : {}),
    ...(settings.height !== undefined ? { height: settings.height } : {}),
    ...(settings.steps !== undefined ? { steps: settings.steps } : {}),
  };
  const tmp = mkdtempSync(join(tmpdir(), 'r2r-export-gen-'));
  let loaded: LoadedModel | undefined;
  try {
    // loaded once for the batch (and first, so a bad model folder fails before any record is made)
    opts.onStatus?.('loading the model');
    loaded = await loadR2RModel(modelDir, { provider: settings.provider, cacheDir: settings.cacheDir, negativeEmbedding: settings.negativeEmbedding, signal: opts.signal, onProgress: opts.onStatus });
    for (const [i, v] of todo.entries()) {
      if (opts.signal?.aborted) break;
      const full = { ...DEFAULT_R2R_PARAMS, ...params };
      const gen = insertGeneration(lib, {
        source: { renderId: v.render.id },
        model: basename(modelDir),
        seed: full.seed,
        status: 'running',
        params: {
          mode: 'r2r',
          prompt: full.prompt,
          steps: full.steps,
          strength: full.strength,
          guidance: full.guidance,
          tacRatio: full.tacRatio,
          ...(full.width !== undefined ? { width: full.width, height: full.height } : {}),
          ...(settings.negativeEmbedding ? { negativeEmbedding: basename(settings.negativeEmbedding) } : {}),
          modelDir,
          [EXPORT_JOB_PARAM]: jobTag,
        },
      });
      const output = join(tmp, `${gen.id}.png`);
      opts.onStatus?.(`generating ${v.sku} ${v.colorway} ${v.view}`);
      try {
        const res = await runR2RShot(
          {
            modelDir,
            input: join(lib.root, v.render.path),
            output,
            params,
            provider: settings.provider,
            negativeEmbedding: settings.negativeEmbedding,
            cacheDir: settings.cacheDir,
          },
          { signal: opts.signal, loaded, onProgress: opts.onStatus },
        );
        await storeGenerationOutput(lib, gen.id, readFileSync(output), {
          provider: res.provider,
          totalMs: Math.round(res.totalMs),
          sampleEvaluations: res.sampleEvaluations,
          canvas: { width: res.plan.width, height: res.plan.height },
        });
        rmSync(output, { force: true });
        summary.generated++;
        opts.onProgress?.({ done: i + 1, total: todo.length, failed: summary.failed, item: { sku: v.sku, colorway: v.colorway, view: v.view, renderId: v.render.id, generationId: gen.id, status: 'done' } });
      } catch (err) {
        if (opts.signal?.aborted) {
          updateGeneration(lib, gen.id, { status: 'cancelled' });
          break;
        }
        // a canvas the model cannot take fails every shot the same way: stop at the first
        if (isUserError(err) && err.code === 'bad-size') {
          updateGeneration(lib, gen.id, { status: 'failed', error: err.message });
          throw err;
        }
        const message = (err as Error).message;
        updateGeneration(lib, gen.id, { status: 'failed', error: message });
        summary.failed++;
        opts.onProgress?.({ done: i + 1, total: todo.length, failed: summary.failed, item: { sku: v.sku, colorway: v.colorway, view: v.view, renderId: v.render.id, generationId: gen.id, status: 'failed', error: message } });
      }
    }
  } finally {
    await loaded?.model.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
  summary.cancelled = Boolean(opts.signal?.aborted);
  return summary;
}
