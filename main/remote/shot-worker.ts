import { hostname } from 'node:os';
import { basename } from 'node:path';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { modelFor, releaseCachedModel, shotSettings } from '../shots/index';
import { HEARTBEAT_EVERY_MS, removeHeartbeat, shotsPerMinute, writeHeartbeat, type WorkerState } from './heartbeat';
import { checkNoEviction, connectRedis } from './redis-client';
import { redisOptions } from './redis-url';
import { runShotJob, type WorkerModel } from './run-shot-job';
import { QUEUE_PREFIX, SHOT_QUEUE, type ShotJobData, type ShotJobResult } from './shot-job';

export interface ShotWorkerOptions extends WorkerModel {
  url: string;
  concurrency?: number;
  /** how long a job's lock lasts without renewal; BullMQ renews it at half this while the shot runs */
  lockMs?: number;
  onEvent?: (e: ShotWorkerEvent) => void;
}

export type ShotWorkerEvent =
  | { event: 'ready'; id: string }
  | { event: 'shot-start'; jobId: string; label: string; attempt: number }
  | { event: 'shot-done'; jobId: string; label: string; ms: number }
  | { event: 'shot-failed'; jobId: string; label: string; error: string; final: boolean };

export interface ShotWorker {
  id: string;
  /** stops taking shots, lets the running ones finish (force: hands them back at once) and disconnects */
  close(force?: boolean): Promise<void>;
}

/**
 * A BullMQ worker for the shot queue: each job is one shot run through the shot service with
 * the worker's model (loaded once, kept between shots). BullMQ renews the job's lock while the
 * shot runs; a worker that dies stops renewing, and another worker's stalled-job check puts
 * the job back. Progress (the engine's steps) goes to job.updateProgress, state to a heartbeat key.
 */
export async function startShotWorker(opts: ShotWorkerOptions): Promise<ShotWorker> {
  const check = await connectRedis(opts.url);
  try {
    await checkNoEviction(check, opts.url);
  } finally {
    check.disconnect();
  }
  const id = `${hostname()}-${process.pid}`;
  const lockMs = opts.lockMs ?? 30_000;
  const finished: number[] = [];
  const state: WorkerState = {
    id,
    host: hostname(),
    pid: process.pid,
    provider: opts.provider ?? 'auto',
    model: opts.modelDir ? basename(opts.modelDir) : '(the coordinator\'s)',
    concurrency: opts.concurrency ?? 1,
    ...(opts.threads ? { threads: opts.threads } : {}),
    current: [],
    shotsDone: 0,
    shotsFailed: 0,
    shotsPerMin: 0,
    startedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  const beatClient = new Redis(redisOptions(opts.url));
  beatClient.on('error', () => undefined); // ioredis reconnects; a missed beat is retried
  const beat = () => {
    state.updatedAt = new Date().toISOString();
    state.shotsPerMin = shotsPerMinute(finished);
    writeHeartbeat(beatClient, state).catch(() => undefined); // Redis away: the next beat tries again
  };

  const process_ = async (job: Job<ShotJobData, ShotJobResult>): Promise<ShotJobResult> => {
    const data = job.data;
    const current: WorkerState['current'][number] = { jobId: job.id!, label: data.label };
    state.current.push(current);
    opts.onEvent?.({ event: 'shot-start', jobId: job.id!, label: data.label, attempt: job.attemptsMade + 1 });
    beat();
    let lastProgress = 0;
    try {
      const { png, metrics } = await runShotJob(data, opts, {
        onStep: (e) => {
          current.step = e.step;
          current.of = e.total;
          // progress is a Redis round trip: a few per second is plenty for a panel
          if (Date.now() - lastProgress < 250) return;
          lastProgress = Date.now();
          job.updateProgress({ stage: e.stage, step: e.step, total: e.total, worker: id }).catch(() => undefined);
        },
      });
      state.shotsDone++;
      finished.push(Date.now());
      if (typeof metrics.provider === 'string') state.provider = metrics.provider;
      return { png: png.toString('base64'), metrics, worker: { id, host: state.host, provider: state.provider } };
    } finally {
      state.current.splice(state.current.indexOf(current), 1);
      while (finished.length && Date.now() - finished[0]! > 60_000) finished.shift();
      beat();
    }
  };

  const worker = new Worker<ShotJobData, ShotJobResult>(SHOT_QUEUE, process_, {
    connection: redisOptions(opts.url),
    prefix: QUEUE_PREFIX,
    concurrency: opts.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: 3,
    autorun: false,
  });
  // reported once BullMQ took the result: a shot whose lock was lost meanwhile is not counted done
  worker.on('completed', (job) => opts.onEvent?.({ event: 'shot-done', jobId: job.id!, label: job.data.label, ms: (job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now()) }));
  worker.on('failed', (job, err) => {
    if (!job) return;
    state.shotsFailed++;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
    opts.onEvent?.({ event: 'shot-failed', jobId: job.id!, label: job.data.label, error: err.message, final });
  });
  // connection errors are retried by ioredis; without a listener they would crash the process
  worker.on('error', () => undefined);
  const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
  beat();
  // the model loads before the first job is taken: loading blocks for a while, and a job
  // claimed meanwhile could miss its lock renewals
  if (opts.modelDir) await modelFor(shotSettings({ model: opts.modelDir, provider: opts.provider, cacheDir: opts.cacheDir, threads: opts.threads }));
  void worker.run();
  await worker.waitUntilReady();
  opts.onEvent?.({ event: 'ready', id });

  let closing: Promise<void> | undefined;
  return {
    id,
    close(force = false) {
      closing ??= (async () => {
        clearInterval(timer);
        await worker.close(force);
        await removeHeartbeat(beatClient, id).catch(() => undefined);
        beatClient.disconnect();
        await releaseCachedModel();
      })();
      return closing;
    },
  };
}
