import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import type { R2RStepEvent } from '../inference/pipelines/r2r';
import { engineParams, makeFileShot, modelFor, shotMetrics, type ShotSettings } from '../shots/index';
import { modelFingerprint } from './model-fingerprint';
import type { ShotJobData } from './shot-job';

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

/** runs one queued shot through the shot service on this machine: the output PNG and the shot's numbers */
export async function runShotJob(data: ShotJobData, own: WorkerModel, opts: { signal?: AbortSignal; onStep?: (e: R2RStepEvent) => void } = {}): Promise<{ png: Buffer; metrics: Record<string, unknown> }> {
  const settings: ShotSettings = { ...data.settings, model: modelDirFor(data, own), ...(own.provider ? { provider: own.provider } : {}), ...(own.cacheDir ? { cacheDir: own.cacheDir } : {}), ...(own.threads ? { threads: own.threads } : {}) };
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
    const res = await makeFileShot(
      { modelDir: settings.model, input, output, ...(mask ? { mask } : {}), ...(textureLock ? { textureLock } : {}), params: engineParams(settings, data), tacLevels: settings.tacLevels, ...(settings.cacheDir ? { cacheDir: settings.cacheDir } : {}) },
      { signal: opts.signal, loaded, onStep: opts.onStep },
    );
    return { png: await readFile(output), metrics: shotMetrics(res) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
