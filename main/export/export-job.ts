import { createHash } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { ExportJobResultRecord } from '../../preload/api/export-types';
import { isTempFile, removeStaleTemps, writeFileAtomic } from '../common/atomic-write';
import type { ExportJobParams, ExportJobStore, ItemOutcome, PlanItem, StoredJob } from './job-store';
import { buildPlan, REPORT_FILES, type ExportCandidate } from './plan';
import type { ImageFormat, Preset } from './presets';
import { inlineRenderPool, workerRenderPool, type RenderPool } from './render-pool';
import { writeReports, type ExportReport } from './report';

/** the folder inside the out folder that holds job state when no library store is given */
export const JOB_DIR_NAME = '.r2r-export';

export interface ExportProgress {
  /** items finished so far (done or failed), including those finished by earlier runs */
  finished: number;
  total: number;
  failed: number;
  item: { index: number; file: string; status: 'done' | 'failed'; error?: string };
}

export interface ExportJobInput {
  params: ExportJobParams;
  preset: Preset;
  format: ImageFormat;
  store: ExportJobStore;
  /** the selection, asked for only when the job is new (a resumed job keeps its plan) */
  candidates: () => ExportCandidate[] | Promise<ExportCandidate[]>;
  creatorTool: string;
  /** items rendered at once (default 2: both cores of a small machine) */
  concurrency?: number;
  /**
   * `workers`: render in worker threads; `inline`: async calls from this thread; default:
   * workers unless the job is too small to pay for their start (about half a second)
   */
  threads?: 'workers' | 'inline';
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
  /** called once the plan is known, with how many items earlier runs finished */
  onPlan?: (info: { jobId: string; total: number; alreadyDone: number; resumed: boolean }) => void;
}

/** the API's export result (preload/api) without what exportFromLibrary adds (missing views, generation), plus whether it was cancelled */
export interface ExportSummary extends Omit<ExportJobResultRecord, 'missing' | 'generation' | 'outfits'> {
  cancelled: boolean;
}

/** a stable id from the job's parameters: the same command maps to the same job */
export function jobIdFor(params: ExportJobParams): string {
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
      : v;
  return createHash('sha256').update(JSON.stringify(canonical(params))).digest('hex').slice(0, 16);
}

/** files already in the out folder (relative paths), which new names must not take */
function existingFiles(outDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === JOB_DIR_NAME || isTempFile(e.name)) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(outDir, p).split('\\').join('/'));
    }
  };
  walk(outDir);
  return out;
}

function stillThere(outDir: string, o: ItemOutcome | undefined): boolean {
  if (!o || o.status !== 'done') return false;
  try {
    const st = lstatSync(join(outDir, o.file));
    return st.isFile() && st.size === o.bytes;
  } catch {
    return false;
  }
}

async function exportItem(item: PlanItem, input: ExportJobInput, outDir: string, pool: RenderPool): Promise<ItemOutcome> {
  if (item.outfit?.status === 'skipped') return { index: item.index, status: 'failed', error: `${item.outfit.combo}${item.view ? ` ${item.view}` : ''}: ${item.outfit.error}` };
  try {
    const shot = await pool.render({
      sourcePath: item.sourcePath,
      preset: input.preset,
      format: input.format,
      meta: { sku: item.sku, colorway: item.colorway, view: item.view, kind: item.kind, generation: item.generation, creatorTool: input.creatorTool },
    });
    writeFileAtomic(join(outDir, item.file), shot.data, { insideRoot: outDir });
    return {
      index: item.index,
      status: 'done',
      file: item.file,
      bytes: shot.data.length,
      width: shot.width,
      height: shot.height,
      sha256: createHash('sha256').update(shot.data).digest('hex'),
      fill: Number(shot.fill.toFixed(4)),
    };
  } catch (err) {
    return { index: item.index, status: 'failed', error: `${item.sourcePath}: ${(err as Error).message}` };
  }
}

/**
 * Runs (or resumes) an export job. Each finished item is recorded durably after its file
 * has been renamed into place, so a job killed at any point and run again skips exactly
 * the items whose files are complete and rewrites the rest under the same names.
 */
export async function runExportJob(input: ExportJobInput): Promise<ExportSummary> {
  const params = { ...input.params, outDir: resolve(input.params.outDir) };
  const outDir = params.outDir;
  const jobId = jobIdFor(params);
  let job: StoredJob | undefined = input.store.find(jobId);
  const resumed = job !== undefined;
  if (!job) {
    const plan = buildPlan(await input.candidates(), input.preset, input.format, existingFiles(outDir));
    const record = { id: jobId, createdAt: new Date().toISOString(), params, plan };
    input.store.create(record);
    job = { record, outcomes: new Map() };
  }
  removeStaleTemps(outDir);
  const plan = job.record.plan;
  const outcomes = new Map<number, ItemOutcome>();
  for (const item of plan) {
    const o = job.outcomes.get(item.index);
    if (stillThere(outDir, o)) outcomes.set(item.index, o!);
  }
  const alreadyDone = outcomes.size;
  input.onPlan?.({ jobId, total: plan.length, alreadyDone, resumed });
  // failed items from an earlier run are tried again: the source may have been fixed
  const todo = plan.filter((i) => !outcomes.has(i.index));
  let failed = 0;
  let next = 0;
  const concurrency = Math.max(1, input.concurrency ?? 2);
  const threads = input.threads ?? (todo.length >= 8 * concurrency ? 'workers' : 'inline');
  const pool = threads === 'workers' && todo.length > 0 ? workerRenderPool(concurrency) : inlineRenderPool();
  const worker = async () => {
    while (next < todo.length && !input.signal?.aborted) {
      const item = todo[next++]!;
      const outcome = await exportItem(item, input, outDir, pool);
      input.store.recordOutcome(jobId, outcome);
      outcomes.set(item.index, outcome);
      if (outcome.status === 'failed') failed++;
      input.onProgress?.({
        finished: outcomes.size,
        total: plan.length,
        failed,
        item: { index: item.index, file: item.file, status: outcome.status, ...(outcome.status === 'failed' ? { error: outcome.error } : {}) },
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await pool.close();
  }
  const cancelled = Boolean(input.signal?.aborted) && outcomes.size < plan.length;
  const summary: ExportSummary = {
    jobId,
    resumed,
    total: plan.length,
    done: [...outcomes.values()].filter((o) => o.status === 'done').length,
    failed: [...outcomes.values()].filter((o) => o.status === 'failed').length,
    alreadyDone,
    cancelled,
    outDir,
  };
  if (cancelled) return summary;
  const finishedAt = new Date().toISOString();
  const report: ExportReport = {
    jobId,
    preset: input.preset.name,
    format: input.format,
    canvas: input.preset.canvas,
    library: params.library,
    outDir,
    createdAt: job.record.createdAt,
    finishedAt,
    total: plan.length,
    done: summary.done,
    failed: summary.failed,
    items: plan.map((item) => ({ item, outcome: outcomes.get(item.index)! })),
  };
  await writeReports(report, outDir, input.concurrency ?? 2);
  input.store.markFinished(jobId, finishedAt);
  summary.report = { json: join(outDir, REPORT_FILES.json), html: join(outDir, REPORT_FILES.html) };
  return summary;
}

