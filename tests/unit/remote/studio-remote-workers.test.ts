import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, type Backend } from '../../../main/api/index';
import { jobKinds } from '../../../main/api/job-kinds';
import { listGenerations } from '../../../main/catalog/queries/generations';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import type { JobProgress } from '../../../preload/api/job-types';
import type { ExportJobParamsRecord, ExportJobResultRecord } from '../../../preload/api/export-types';
import { tempDir } from '../export/fixtures';
import { adaptedDemoModel, freePort, RedisServer, WorkerProcess } from './redis-fixture';

const VIEWS = ['front', 'back'];

describe('the studio on remote workers (Settings → Remote workers, export through the queue)', () => {
  let redis: RedisServer;
  let backend: Backend;
  let worker: WorkerProcess | undefined;
  let library = '';
  let modelDir = '';
  let cacheDir = '';
  let config = '';
  const savedConfig = process.env.R2R_CONFIG_DIR;
  const good = () => `redis://:sekrit@127.0.0.1:${redis.port}`;

  beforeAll(async () => {
    ({ modelDir, cacheDir } = await adaptedDemoModel('r2r-studio-remote-model-'));
    redis = new RedisServer(await freePort());
    await redis.start(['--requirepass', 'sekrit']);
    const dir = tempDir('r2r-studio-remote-');
    config = join(dir, 'config');
    process.env.R2R_CONFIG_DIR = config;
    library = join(dir, 'lib');
    await writeSampleLibrary(library, { garments: 2, colorways: 1, views: VIEWS, width: 64, height: 80 });
    backend = createBackend({ jobKinds, jobWorker: inlineWorkerFactory(jobKinds), library });
  }, 120_000);

  afterAll(async () => {
    await worker?.kill();
    await backend?.close();
    await redis?.stop();
    if (savedConfig === undefined) delete process.env.R2R_CONFIG_DIR;
    else process.env.R2R_CONFIG_DIR = savedConfig;
  });

  it('a wrong password is refused and not kept', async () => {
    await expect(backend.api.remote.connect(`redis://:wrong@127.0.0.1:${redis.port}`)).rejects.toThrow(/refused the password: WRONGPASS/);
    await expect(backend.api.remote.connect('http://example.com')).rejects.toThrow(/is not a Redis URL/);
    expect(await backend.api.remote.settings()).toEqual({ url: null });
    expect(existsSync(join(config, 'remote-workers.json'))).toBe(false);
  });

  it('the right URL is kept for its owner only, the password never shown', async () => {
    const res = await backend.api.remote.connect(good());
    expect(res).toEqual({ url: `redis://:***@127.0.0.1:${redis.port}`, workers: [] });
    expect(await backend.api.remote.settings()).toEqual({ url: `redis://:***@127.0.0.1:${redis.port}` });
    expect(statSync(join(config, 'remote-workers.json')).mode & 0o777).toBe(0o600);
  });

  it('lists a running `r2r worker` and makes an export\'s shots on it, with per-worker progress', async () => {
    worker = new WorkerProcess(['--redis', good(), '--model', modelDir, '--cache-dir', cacheDir, '--threads', '1']);
    const ready = await worker.waitFor((l) => l.event === 'ready', 120_000);
    expect(await backend.api.remote.workers()).toEqual([expect.objectContaining({ id: ready.id, threads: 1, current: [], shotsDone: 0 })]);

    const params: ExportJobParamsRecord = {
      library,
      outDir: join(tempDir('r2r-studio-remote-out-'), 'out'),
      preset: 'amazon',
      size: 1000,
      source: 'realistic',
      selection: {},
      generate: 'missing',
      model: modelDir,
      genWidth: 64,
      genHeight: 96,
      steps: 10,
      remoteWorkers: true,
    };
    const remote: NonNullable<JobProgress['remote']>[] = [];
    const jobId = await backend.api.jobs.submit('export', params);
    const off = backend.events.subscribe((e) => {
      if (e.type === 'job.progress' && e.payload.id === jobId && e.payload.progress.remote) remote.push(e.payload.progress.remote);
    });
    const settled = await backend.jobs.whenSettled(jobId);
    off();
    expect(settled.state, JSON.stringify([settled.error, worker.lines, listGenerations(backend.library.require()).map((g) => [g.status, g.error])])).toBe('done');
    expect((settled.result as ExportJobResultRecord).generation).toMatchObject({ planned: 2 * VIEWS.length, generated: 2 * VIEWS.length, failed: 0 });
    // the shots came from the worker, not from this process
    expect(worker.done()).toHaveLength(2 * VIEWS.length);
    expect(remote.length).toBeGreaterThan(0);
    expect(remote[0]!.workers.map((w) => w.id)).toEqual([ready.id]);
    const lib = backend.library.require();
    const done = listGenerations(lib, { status: 'done' });
    expect(done).toHaveLength(2 * VIEWS.length);
    for (const g of done) expect(g.params).not.toHaveProperty('queue');
    // the password stays out of what the job and the library keep
    expect(JSON.stringify(settled.params)).not.toContain('sekrit');
    expect(JSON.stringify(done.map((g) => [g.params, g.metrics]))).not.toContain('sekrit');
  }, 240_000);

  it('a canvas the model cannot take fails for good on the first try, not once per attempt', async () => {
    const before = worker!.lines.length;
    const jobId = await backend.api.jobs.submit('export', {
      library,
      outDir: join(tempDir(), 'out'),
      preset: 'amazon',
      source: 'realistic',
      selection: {},
      generate: 'all',
      model: modelDir,
      genWidth: 64,
      genHeight: 88,
      steps: 10,
      remoteWorkers: true,
    } satisfies ExportJobParamsRecord);
    const settled = await backend.jobs.whenSettled(jobId);
    // the shots made by the first export are exported again; the new ones all failed
    expect(settled.state).toBe('done');
    expect((settled.result as ExportJobResultRecord).generation).toMatchObject({ planned: 2 * VIEWS.length, generated: 0, failed: 2 * VIEWS.length });
    const failed = worker!.lines.slice(before).filter((l) => l.event === 'shot-failed');
    expect(failed).toHaveLength(2 * VIEWS.length);
    for (const f of failed) expect(f).toMatchObject({ final: true, error: 'height 88 is not a positive multiple of 32' });
  }, 120_000);

  it('forgotten: an export on remote workers says where to set them up', async () => {
    expect(await backend.api.remote.forget()).toBe(true);
    expect(await backend.api.remote.forget()).toBe(false);
    const jobId = await backend.api.jobs.submit('export', {
      library,
      outDir: join(tempDir(), 'out'),
      preset: 'amazon',
      source: 'realistic',
      selection: {},
      generate: 'all',
      model: modelDir,
      remoteWorkers: true,
    } satisfies ExportJobParamsRecord);
    const settled = await backend.jobs.whenSettled(jobId);
    expect(settled.state).toBe('failed');
    expect(settled.error).toMatchObject({ code: 'remote-workers-not-set', hint: expect.stringMatching(/Settings → Remote workers/) });
  });
});
