import { isUserError, UserError } from '../common/errors';
import type { Library } from '../catalog/library';
import { listGenerations } from '../catalog/queries/generations';
import type { Render } from '../catalog/types';
import type { WorkerState } from '../remote/heartbeat';
import { settleOrphans } from '../shots/ownership';
import { shotSettings, type ShotSettings } from '../shots/shot-settings';
import { rendersByView, selectGarments, type ExportSelection } from './catalog-candidates';

export type GenerateMode = 'missing' | 'all';

/** how the export generates realistic shots; part of the export job's identity */
export interface GenerationSettings {
  modelDir: string;
  /** model canvas; absent: the engine's default (768x1024) */
  width?: number;
  height?: number;
  /** the canvas's longer side instead (the other follows each render's aspect, as in the studio) */
  maxSide?: number;
  steps?: number;
  provider?: string;
  negativeEmbedding?: string;
  /** a region preset of the library (by name), on each render's label mask */
  regionPreset?: string;
  cacheDir?: string;
  /** a Redis URL: queue workers make the shots (`r2r worker`), this process records them; not part of the job's identity */
  queue?: string;
  /** tries per queued shot, with exponential backoff from backoffMs */
  attempts?: number;
  backoffMs?: number;
}

export interface GenerateProgress {
  done: number;
  total: number;
  failed: number;
  item: {
    sku: string;
    colorway: string;
    view: string;
    renderId: number;
    generationId: number;
    status: 'done' | 'failed';
    error?: string;
    /** queued shots: the worker that made it, enqueue to start and result to written in ms */
    worker?: string;
    queueMs?: number;
    writeMs?: number;
    startedAt?: number;
    finishedAt?: number;
  };
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

/** the export's generation settings as shot settings: what the export does not set takes the method's defaults */
export function settingsOfExport(g: GenerationSettings): ShotSettings {
  return shotSettings({
    model: g.modelDir,
    steps: g.steps,
    width: g.width,
    height: g.height,
    maxSide: g.maxSide,
    provider: g.provider,
    cacheDir: g.cacheDir,
    ...(g.negativeEmbedding ? { negative: { kind: 'embedding', path: g.negativeEmbedding } } : {}),
    ...(g.regionPreset ? { regionPreset: g.regionPreset } : {}),
  });
}

/**
 * Generates realistic shots for the views of a selection through the shot service (the same
 * shot, masks and record as the studio's Generate), the model loaded once for the batch, each
 * recorded as a generation tagged with this export job. One failing view does not stop the
 * others; a cancel stops after marking the running shot cancelled.
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
  /** queued shots: the workers' state and the shots not yet recorded, every few seconds */
  onWorkers?: (workers: WorkerState[], remaining: number) => void;
}): Promise<GenerateSummary> {
  const { lib, jobTag } = opts;
  // shots a killed run of this export (or any process now gone) left running are marked failed
  settleOrphans(lib);
  const { todo, alreadyGenerated } = viewsToGenerate(lib, opts.selection, opts.mode, jobTag);
  opts.onPlan?.({ total: todo.length, alreadyGenerated });
  const summary: GenerateSummary = { planned: todo.length, generated: 0, failed: 0, alreadyGenerated, cancelled: false };
  if (todo.length === 0) return summary;
  if (opts.settings.queue && opts.settings.regionPreset) {
    throw new UserError('queue-no-regions', `region preset '${opts.settings.regionPreset}' cannot run on queue workers yet: they get the render, not its label mask`, 'Generate this export without --queue, or without the region preset.');
  }
  if (opts.settings.queue) return generateQueued(opts, todo, summary);
  // the engine loads only when there is something to generate (onnxruntime is heavy)
  const shots = await import('../shots/index');
  const settings = settingsOfExport(opts.settings);
  const tag = { [EXPORT_JOB_PARAM]: jobTag };
  // loaded once for the batch, and first, so a bad model folder fails before any record is made
  opts.onStatus?.('loading the model');
  const { reused } = await shots.modelFor(settings, opts.signal, opts.onStatus);
  try {
    for (const [i, v] of todo.entries()) {
      if (opts.signal?.aborted) break;
      const where = { sku: v.sku, colorway: v.colorway, view: v.view, renderId: v.render.id };
      let generationId = 0;
      opts.onStatus?.(`generating ${v.sku} ${v.colorway} ${v.view}`);
      try {
        const shot = await shots.makeLibraryShot(lib, { renderId: v.render.id, settings, tag }, { signal: opts.signal, onProgress: opts.onStatus, onRecorded: (g) => (generationId = g.id) });
        summary.generated++;
        opts.onProgress?.({ done: i + 1, total: todo.length, failed: summary.failed, item: { ...where, generationId: shot.generationId, status: 'done' } });
      } catch (err) {
        if (opts.signal?.aborted) break;
        // a canvas the model cannot take fails every shot the same way: stop at the first
        if (isUserError(err) && err.code === 'bad-size') throw err;
        summary.failed++;
        opts.onProgress?.({ done: i + 1, total: todo.length, failed: summary.failed, item: { ...where, generationId, status: 'failed', error: (err as Error).message } });
      }
    }
  } finally {
    // a model this batch loaded goes with it; one a job worker kept for the studio stays
    if (!reused) await shots.releaseCachedModel();
  }
  summary.cancelled = Boolean(opts.signal?.aborted);
  return summary;
}

/** the views made by queue workers (`r2r worker`) and recorded here as they come back */
async function generateQueued(opts: Parameters<typeof generateShots>[0], todo: ViewToGenerate[], summary: GenerateSummary): Promise<GenerateSummary> {
  // BullMQ and ioredis load only for a queued export
  const { generateOnQueue } = await import('../remote/coordinator');
  const where = new Map(todo.map((v) => [v.render.id, { sku: v.sku, colorway: v.colorway, view: v.view, renderId: v.render.id }]));
  let done = 0;
  const res = await generateOnQueue({
    lib: opts.lib,
    url: opts.settings.queue!,
    settings: settingsOfExport(opts.settings),
    tag: { [EXPORT_JOB_PARAM]: opts.jobTag },
    flowId: `export_${opts.jobTag}`,
    shots: todo.map((v) => ({ renderId: v.render.id, label: `${v.sku} ${v.colorway} ${v.view}` })),
    ...(opts.settings.attempts ? { attempts: opts.settings.attempts } : {}),
    ...(opts.settings.backoffMs !== undefined ? { backoffMs: opts.settings.backoffMs } : {}),
    signal: opts.signal,
    onStatus: opts.onStatus,
    onWorkers: opts.onWorkers,
    onItem: (o) => {
      done++;
      if (o.status === 'failed') summary.failed++;
      const { renderId: _renderId, ...outcome } = o;
      opts.onProgress?.({ done, total: todo.length, failed: summary.failed, item: { ...where.get(o.renderId)!, ...outcome } });
    },
  });
  summary.generated = res.generated;
  summary.cancelled = res.cancelled;
  return summary;
}
