import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { writeFileAtomic } from '../common/atomic-write';
import { isUserError } from '../common/errors';
import type { R2RStepEvent } from '../inference/pipelines/r2r';
import { defaultCacheDir } from '../inference/pipelines/shot-cache';
import { engineParams, makeFileShot, modelFor, shotMetrics, type ShotSettings } from '../shots/index';
import { modelFingerprint } from './model-fingerprint';
import type { QueuedEmbedding, ShotJobData } from './shot-job';

export interface WorkerModel {
  /** the worker's own model folder; absent: the coordinator's path, when this machine has it */
  modelDir?: string;
  provider?: string;
  cacheDir?: string;
  /** onnxruntime threads per session; default onnxruntime's (one per core) */
  threads?: number;
}

/** the worker's model folder for a job, refused (without retries) when its content differs from the coordinator's */
export function modelDirFor(data: ShotJobData, own: WorkerModel): string {
  const dir = own.modelDir ?? data.model.dir;
  let fingerprint: string;
  try {
    fingerprint = modelFingerprint(dir);
  } catch (err) {
    throw new UnrecoverableError(`this worker has no model for shot ${data.label}: ${(err as Error).message}; start it with --model <folder of ${data.model.name}>`);
  }
  if (fingerprint !== data.model.fingerprint) {
    throw new UnrecoverableError(
      `this worker's model ${dir} (fingerprint ${fingerprint.slice(0, 12)}) is not the coordinator's ${data.model.name} (fingerprint ${data.model.fingerprint.slice(0, 12)}); start the worker with --model <a copy of that folder>`,
    );
  }
  return dir;
}

/**
 * The job's negative embedding as a file on this machine, kept under its content address in
 * the cache so every shot of a run (and the kept model) uses the same path. Bytes that do not
 * match their hash were damaged on the way: the shot is refused without retries.
 */
export function embeddingFileFor(embedding: QueuedEmbedding, cacheDir: string): string {
  const bytes = Buffer.from(embedding.base64, 'base64');
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== embedding.sha256) throw new UnrecoverableError(`the negative embedding ${embedding.name} arrived damaged (sha256 ${sha.slice(0, 12)}, expected ${embedding.sha256.slice(0, 12)})`);
  const dir = join(cacheDir, 'queued-embeddings', sha);
  const file = join(dir, basename(embedding.name));
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(file, bytes, { insideRoot: cacheDir });
  }
  return file;
}

/** a canvas the model cannot take fails on every worker and every try: refused for good, not retried */
async function shotOrRefusal<T>(shot: () => Promise<T>): Promise<T> {
  try {
    return await shot();
  } catch (err) {
    if (isUserError(err) && err.code === 'bad-size') throw new UnrecoverableError(err.message);
    throw err;
  }
}

/** runs one queued shot through the shot service on this machine: the output PNG and the shot's numbers */
export async function runShotJob(data: ShotJobData, own: WorkerModel, opts: { signal?: AbortSignal; onStep?: (e: R2RStepEvent) => void } = {}): Promise<{ png: Buffer; metrics: Record<string, unknown> }> {
  const settings: ShotSettings = { ...data.settings, model: modelDirFor(data, own), ...(own.provider ? { provider: own.provider } : {}), ...(own.cacheDir ? { cacheDir: own.cacheDir } : {}), ...(own.threads ? { threads: own.threads } : {}) };
  if (settings.negative.kind === 'embedding') {
    if (!data.negativeEmbedding) throw new UnrecoverableError(`shot ${data.label} names a negative embedding but carries none: the coordinator is older than this worker`);
    settings.negative = { kind: 'embedding', path: embeddingFileFor(data.negativeEmbedding, settings.cacheDir ?? defaultCacheDir()) };
  }
  const { loaded } = await modelFor(settings, opts.signal);
  const dir = await mkdtemp(join(tmpdir(), 'r2r-remote-shot-'));
  try {
    const input = join(dir, `render.${data.input.ext}`);
    await writeFile(input, Buffer.from(data.input.base64, 'base64'));
    const mask = data.mask ? join(dir, 'mask.png') : undefined;
    if (mask) await writeFile(mask, Buffer.from(data.mask!, 'base64'));
    const textureLock = data.textureLock ? join(dir, 'texture-lock.png') : undefined;
    if (textureLock) await writeFile(textureLock, Buffer.from(data.textureLock!, 'base64'));
    const output = join(dir, 'out.png');
    const res = await shotOrRefusal(() => makeFileShot(
      { modelDir: settings.model, input, output, ...(mask ? { mask } : {}), ...(textureLock ? { textureLock } : {}), params: engineParams(settings, data), tacLevels: settings.tacLevels, ...(settings.cacheDir ? { cacheDir: settings.cacheDir } : {}) },
      { signal: opts.signal, loaded, onStep: opts.onStep },
    ));
    return { png: await readFile(output), metrics: shotMetrics(res) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
