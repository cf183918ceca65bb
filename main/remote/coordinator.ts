import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { FlowProducer, Queue, QueueEvents, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Library } from '../catalog/library';
import { listGenerations } from '../catalog/queries/generations';
import { UserError } from '../common/errors';
import { negativeEmbeddingOf, recordShotFailedElsewhere, recordShotMadeElsewhere, renderInputs, type ShotSettings } from '../shots/index';
import { listWorkers, type WorkerState } from './heartbeat';
import { modelFingerprint } from './model-fingerprint';
import { checkNoEviction, connectRedis } from './redis-client';
import { redisOptions } from './redis-url';
import { EXPORT_QUEUE, MAX_QUEUED_EMBEDDING_BYTES, portableSettings, QUEUE_PREFIX, SHOT_QUEUE, shotJobId, type QueuedEmbedding, type ShotJobData, type ShotJobResult } from './shot-job';

export interface QueuedShot {
  renderId: number;
  /** how messages name it: `sku colorway view` */
  label: string;
}

export interface QueuedShotOutcome {
  renderId: number;
  status: 'done' | 'failed';
  generationId: number;
  error?: string;
  /** the worker that made it */
  worker?: string;
  /** enqueue (or the last retry) to the worker starting it, and the worker's result to the row written */
  queueMs?: number;
  writeMs?: number;
  /** when the worker started and finished it (epoch ms, Redis's clock) */
  startedAt?: number;
  finishedAt?: number;
}

export interface QueueShotsRequest {
  lib: Library;
  url: string;
  settings: ShotSettings;
  /** what the recorded params carry so the caller finds its shots again (`{ exportJob }`) */
  tag: Record<string, string>;
  /** the flow's parent job id: the same for a resumed run, so it re-attaches */
  flowId: string;
  shots: QueuedShot[];
  attempts?: number;
  backoffMs?: number;
  signal?: AbortSignal;
  onItem?: (outcome: QueuedShotOutcome) => void;
  onWorkers?: (workers: WorkerState[], remaining: number) => void;
  onStatus?: (label: string) => void;
}

export interface QueueShotsSummary {
  generated: number;
  failed: number;
  cancelled: boolean;
}

const SWEEP_MS = 1000;
// results arrive by event; the sweep (for events missed while Redis or this process was away)
// looks at this many pending shots per second, in turn, so a season's export stays cheap
const SWEEP_BATCH = 200;
const WORKERS_EVERY_MS = 2000;

/** the negative embedding file, read once for all the shots of a run */
async function queuedEmbedding(path: string): Promise<QueuedEmbedding> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new UserError('negative-embedding-unreadable', `cannot read the negative embedding ${path}: ${(err as Error).message}`, 'Check the --negative-embedding path.');
  }
  if (bytes.length > MAX_QUEUED_EMBEDDING_BYTES) {
    throw new UserError(
      'queue-embedding-too-big',
      `the negative embedding ${path} is ${(bytes.length / 2 ** 20).toFixed(1)} MiB: more than the ${MAX_QUEUED_EMBEDDING_BYTES / 2 ** 20} MiB a queued shot may carry`,
      'A textual-inversion embedding is a few kilobytes: check that this is the right file.',
    );
  }
  return { name: basename(path), sha256: createHash('sha256').update(bytes).digest('hex'), base64: bytes.toString('base64') };
}

async function jobDataFor(lib: Library, shot: QueuedShot, settings: ShotSettings, fingerprint: string, embedding: QueuedEmbedding | undefined): Promise<ShotJobData> {
  const files = renderInputs(lib, shot.renderId);
  const row = lib.sql<[number], { hash: string; ext: string }>('SELECT a.hash, a.ext FROM renders r JOIN assets a ON a.id = r.asset_id WHERE r.id = ?').get(shot.renderId)!;
  return {
    v: 1,
    renderId: shot.renderId,
    label: shot.label,
    renderSha: row.hash,
    input: { ext: row.ext, base64: (await readFile(files.input)).toString('base64') },
    ...(files.mask ? { mask: (await readFile(files.mask)).toString('base64') } : {}),
    ...(files.textureLock ? { textureLock: (await readFile(files.textureLock)).toString('base64') } : {}),
    width: files.width,
    height: files.height,
    settings: portableSettings(settings, embedding),
    model: { name: basename(settings.model), fingerprint, dir: settings.model },
    ...(embedding ? { negativeEmbedding: embedding } : {}),
  };
}

/**
 * Has queue workers make the shots and records each result here, in the library, once. One
 * BullMQ flow per call: a parent job (`flowId`) over a child per shot whose id is the shot's
 * content address, so a second enqueue of the same shot (a resumed run, a second coordinator)
 * adds no work. A coordinator that is killed and runs again re-attaches to the jobs that are
 * still queued or done; jobs Redis lost (restarted without persistence) are queued again.
 */
export async function generateOnQueue(req: QueueShotsRequest): Promise<QueueShotsSummary> {
  const { lib, settings } = req;
  const embeddingPath = negativeEmbeddingOf(settings);
  const embedding = embeddingPath ? await queuedEmbedding(embeddingPath) : undefined;
  const check = await connectRedis(req.url);
  try {
    await checkNoEviction(check, req.url);
  } finally {
    check.disconnect();
  }
  const fingerprint = modelFingerprint(settings.model);
  const connection = redisOptions(req.url);
  const queue = new Queue<ShotJobData, ShotJobResult>(SHOT_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const exports = new Queue(EXPORT_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const flows = new FlowProducer({ connection, prefix: QUEUE_PREFIX });
  const events = new QueueEvents(SHOT_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const client = new Redis(connection);
  // ioredis reconnects by itself; without listeners a connection error would crash the process
  queue.on('error', () => undefined);
  exports.on('error', () => undefined);
  flows.on('error', () => undefined);
  events.on('error', () => undefined);
  client.on('error', () => undefined);
  const summary: QueueShotsSummary = { generated: 0, failed: 0, cancelled: false };
  try {
    req.onStatus?.(`queueing ${req.shots.length} shot(s)`);
    // shots with the same content (the same render bytes twice) share one job
    const byJob = new Map<string, { data: ShotJobData; shots: QueuedShot[] }>();
    for (const shot of req.shots) {
      const data = await jobDataFor(lib, shot, settings, fingerprint, embedding);
      const id = shotJobId(data);
      const entry = byJob.get(id);
      if (entry) entry.shots.push(shot);
      else byJob.set(id, { data, shots: [shot] });
    }
    const jobOpts = (jobId: string): JobsOptions => ({
      jobId,
      attempts: req.attempts ?? 3,
      backoff: { type: 'exponential', delay: req.backoffMs ?? 1000 },
      // a shot that fails for good is recorded failed; the flow goes on with the others
      ignoreDependencyOnFailure: true,
      // kept a day: the same shot enqueued again (a second export of it) takes the result, not the work
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 24 * 3600 },
    });
    // a shot an earlier run saw fail for good is tried again by this run
    for (const id of byJob.keys()) {
      const old = await queue.getJob(id);
      if (old && (await old.getState()) === 'failed') await old.retry('failed');
    }
    await flows.add({
      name: 'export',
      queueName: EXPORT_QUEUE,
      data: { tag: req.tag, shots: byJob.size },
      opts: { jobId: req.flowId },
      children: [...byJob].map(([id, { data }]) => ({ name: 'shot', queueName: SHOT_QUEUE, data, opts: jobOpts(id) })),
    });
    req.onStatus?.(`waiting for queue workers (${byJob.size} shot(s))`);

    const pending = new Set(byJob.keys());
    const busy = new Set<string>();
    let poke: () => void = () => undefined;
    const settle = async (id: string): Promise<void> => {
      if (!pending.has(id) || busy.has(id)) return;
      busy.add(id);
      try {
        const entry = byJob.get(id)!;
        const job: Job<ShotJobData, ShotJobResult> | undefined = await queue.getJob(id);
        if (!job) {
          // Redis lost it (restarted without persistence, or removed by another coordinator that recorded it)
          const recorded = entry.shots.map((s) => recordedAlready(lib, s.renderId, req.tag));
          if (recorded.every((g) => g !== undefined)) {
            entry.shots.forEach((s, i) => {
              summary.generated++;
              req.onItem?.({ renderId: s.renderId, status: 'done', generationId: recorded[i]! });
            });
            pending.delete(id);
          } else await queue.add('shot', entry.data, jobOpts(id));
          return;
        }
        const state = await job.getState();
        if (state === 'completed' && job.returnvalue) {
          const png = Buffer.from(job.returnvalue.png, 'base64');
          for (const s of entry.shots) {
            const { generation } = await recordShotMadeElsewhere(lib, { renderId: s.renderId, settings, tag: req.tag, png, metrics: { ...job.returnvalue.metrics, worker: job.returnvalue.worker } });
            summary.generated++;
            req.onItem?.({
              renderId: s.renderId,
              status: 'done',
              generationId: generation.id,
              worker: job.returnvalue.worker.id,
              ...(job.processedOn ? { queueMs: job.processedOn - job.timestamp, startedAt: job.processedOn } : {}),
              ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}),
              ...(job.finishedOn ? { writeMs: Date.now() - job.finishedOn } : {}),
            });
          }
          pending.delete(id);
        } else if (state === 'failed') {
          for (const s of entry.shots) {
            const error = job.failedReason || 'the shot failed on the worker';
            const g = recordShotFailedElsewhere(lib, { renderId: s.renderId, settings, tag: req.tag, error });
            summary.failed++;
            req.onItem?.({ renderId: s.renderId, status: 'failed', generationId: g.id, error });
          }
          pending.delete(id);
        }
      } finally {
        busy.delete(id);
      }
    };
    const onFinished = ({ jobId }: { jobId: string }) => {
      if (pending.has(jobId)) void settle(jobId).then(() => poke(), () => poke());
    };
    events.on('completed', onFinished);
    events.on('failed', onFinished);
    let lastWorkers = 0;
    let sweepAt = 0;
    while (pending.size > 0 && !req.signal?.aborted) {
      const ids = [...pending];
      const from = sweepAt % ids.length;
      sweepAt = from + SWEEP_BATCH;
      await Promise.all([...ids.slice(from, from + SWEEP_BATCH), ...ids.slice(0, Math.max(0, from + SWEEP_BATCH - ids.length))].map((id) => settle(id)));
      if (req.onWorkers && Date.now() - lastWorkers >= WORKERS_EVERY_MS) {
        lastWorkers = Date.now();
        req.onWorkers(await listWorkers(client), pending.size);
      }
      if (pending.size === 0) break;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          req.signal?.removeEventListener('abort', wake);
          resolve();
        };
        const timer = setTimeout(wake, SWEEP_MS);
        poke = wake;
        req.signal?.addEventListener('abort', wake, { once: true });
      });
    }
    summary.cancelled = Boolean(req.signal?.aborted) && pending.size > 0;
    if (!summary.cancelled) {
      // every result is in the library: the flow's parent leaves Redis (its shots expire on their own)
      await (await exports.getJob(req.flowId))?.remove({ removeChildren: false }).catch(() => undefined);
    }
    return summary;
  } finally {
    await Promise.allSettled([events.close(), queue.close(), exports.close(), flows.close()]);
    client.disconnect();
  }
}

/** the done generation of this render that carries the tag, if one is recorded */
function recordedAlready(lib: Library, renderId: number, tag: Record<string, string>): number | undefined {
  return listGenerations(lib, { renderId, status: 'done' }).find((g) => Object.entries(tag).every(([k, v]) => g.params[k] === v))?.id;
}
