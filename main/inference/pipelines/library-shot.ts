import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { GenerateJobResult } from '../../../preload/api/generation-types';
import { assetFile, getMask, insertGeneration, listGenerations, storeGenerationOutput, updateGeneration, type Library } from '../../catalog/index';
import { UserError } from '../../common/errors';
import type { JobContext } from '../../jobs/kind';
import { loadR2RModel, type LoadedModel } from './load-r2r-model';
import type { R2RParams, R2RStepEvent } from './r2r';
import { runR2RShot } from './r2r-shot';
import type { GenerateParams } from './generate-params';

// the worker keeps one loaded model between jobs: a second shot with the same model skips
// adaptation checks and session creation
let cached: { key: string; loaded: LoadedModel } | undefined;

function modelKey(p: GenerateParams): string {
  const embedding = p.negative.kind === 'embedding' && p.negative.path ? resolve(p.negative.path) : '';
  return JSON.stringify([resolve(p.model), p.provider ?? 'auto', p.tacLevels, embedding]);
}

/** the worker's loaded model for these params, loading it (and dropping another) when needed */
export async function modelFor(p: GenerateParams, signal: AbortSignal, onProgress?: (label: string) => void): Promise<{ loaded: LoadedModel; reused: boolean }> {
  const key = modelKey(p);
  if (cached?.key === key) return { loaded: cached.loaded, reused: true };
  if (cached) {
    const old = cached.loaded;
    cached = undefined;
    await old.model.dispose();
  }
  const embedding = p.negative.kind === 'embedding' && p.negative.path ? p.negative.path : undefined;
  const loaded = await loadR2RModel(p.model, { provider: p.provider, tacLevels: p.tacLevels, negativeEmbedding: embedding, onProgress, signal });
  cached = { key, loaded };
  return { loaded, reused: false };
}

/** disposes the kept model (tests, and a worker that wants its memory back) */
export async function releaseCachedModel(): Promise<void> {
  const c = cached;
  cached = undefined;
  await c?.loaded.model.dispose();
}

const ORPHAN_ERROR = 'its job worker stopped before the shot finished (ended after a cancel that did not stop in time, or crashed)';

/**
 * Marks generations left `running` by a job worker that is gone as failed: a worker ended
 * mid-shot (a cancel past the grace time, a crash) cannot record it. Only generation jobs
 * write `running` rows, one at a time per studio, so those started before this worker
 * process are orphans. Returns their ids.
 */
export function settleOrphans(lib: Library, startedBefore: Date): number[] {
  const cutoff = startedBefore.toISOString();
  const orphans = listGenerations(lib, { status: 'running' }).filter((g) => g.startedAt !== null && g.startedAt < cutoff);
  for (const g of orphans) updateGeneration(lib, g.id, { status: 'failed', error: ORPHAN_ERROR });
  return orphans.map((g) => g.id);
}

const settled = new Set<string>();
const workerStart = new Date(Date.now() - process.uptime() * 1000);

/** settleOrphans once per library in this worker process */
export function settleOrphansOnce(lib: Library): void {
  if (settled.has(lib.root)) return;
  settled.add(lib.root);
  settleOrphans(lib, workerStart);
}

/** the render's image file and its stored masks, from the open library */
export function renderFiles(lib: Library, renderId: number): { input: string; mask?: string; textureLock?: string; width: number; height: number } {
  const row = lib.sql<[number], { hash: string; ext: string; width: number; height: number }>('SELECT a.hash, a.ext, r.width, r.height FROM renders r JOIN assets a ON a.id = r.asset_id WHERE r.id = ?').get(renderId);
  if (!row) throw new UserError('unknown-render', `no render #${renderId} in the library at ${lib.root}`, 'Reopen the shot from the library; it may have been deleted.');
  const edit = getMask(lib, renderId, 'edit');
  const lock = getMask(lib, renderId, 'texture-lock');
  return {
    input: assetFile(lib, row.hash, row.ext),
    ...(edit ? { mask: assetFile(lib, edit.asset) } : {}),
    ...(lock ? { textureLock: assetFile(lib, lock.asset) } : {}),
    width: row.width,
    height: row.height,
  };
}

/** the model canvas for a longest side: the other side follows the render's aspect */
export function canvasFor(width: number, height: number, maxSide: number | undefined): { width?: number; height?: number } {
  if (maxSide === undefined) return {};
  return height >= width ? { height: maxSide } : { width: maxSide };
}

export interface ShotPlan {
  strength: number;
  tacRatio: number;
}

/**
 * One generation of a render in the library, recorded in the catalog: a `running` row first,
 * then `done` with the output image and the shot's numbers, or `failed` / `cancelled`.
 */
export async function generateInLibrary(
  lib: Library,
  p: GenerateParams,
  cell: ShotPlan,
  loaded: LoadedModel,
  ctx: Pick<JobContext, 'signal'>,
  onStep: (e: R2RStepEvent) => void,
): Promise<GenerateJobResult & { inversionCached: boolean; generationStepsReused: number; totalMs: number }> {
  settleOrphansOnce(lib);
  const files = renderFiles(lib, p.renderId);
  const params: Partial<R2RParams> = {
    steps: p.steps,
    strength: cell.strength,
    tacRatio: cell.tacRatio,
    guidance: p.guidance,
    seed: p.seed,
    prompt: p.prompt,
    negative: p.negative.kind === 'prompt' ? p.negative.text : '',
    ...canvasFor(files.width, files.height, p.maxSide),
  };
  const recorded = { ...params, tacLevels: p.tacLevels, negative: p.negative, maxSide: p.maxSide ?? null, renderId: p.renderId, ...(p.comboId ? { comboId: p.comboId } : {}) };
  const gen = insertGeneration(lib, { source: { renderId: p.renderId }, model: p.model, params: recorded, seed: p.seed, status: 'running' });
  const dir = await mkdtemp(join(tmpdir(), 'r2r-generate-'));
  try {
    const res = await runR2RShot(
      { modelDir: p.model, input: files.input, output: join(dir, 'out.png'), ...(files.mask ? { mask: files.mask } : {}), ...(files.textureLock ? { textureLock: files.textureLock } : {}), params, tacLevels: p.tacLevels },
      { signal: ctx.signal, loaded, onStep },
    );
    const metrics = {
      provider: res.provider,
      totalMs: Math.round(res.totalMs),
      modelMs: Math.round(res.modelMs),
      inversionCached: res.inversionCached,
      generationStepsReused: res.generationStepsReused,
      k: res.k,
      tacSteps: res.tacSteps,
      unetCalls: res.unetCalls.length,
      sampleEvaluations: res.sampleEvaluations,
      canvas: { width: res.plan.width, height: res.plan.height },
    };
    const done = await storeGenerationOutput(lib, gen.id, await readFile(join(dir, 'out.png')), metrics);
    return { generationId: done.id, output: done.output!, outputPath: done.outputPath!, inversionCached: res.inversionCached, generationStepsReused: res.generationStepsReused, totalMs: res.totalMs };
  } catch (err) {
    const cancelled = ctx.signal.aborted;
    updateGeneration(lib, gen.id, cancelled ? { status: 'cancelled' } : { status: 'failed', error: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
