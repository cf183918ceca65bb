import { randomUUID } from 'node:crypto';
import type { ApiEvent } from '../../preload/api/contract';
import type { JobFailure, JobInfo, JobState } from '../../preload/api/job-types';
import type { JobSubjectRecord, QueueStateRecord } from '../../preload/api/queue-types';
import type { KeptJob, KeptQueue } from '../catalog/queries/queue-jobs';
import { UserError } from '../common/errors';
import { kindTable, type AnyJobKind } from './kind';
import type { FromWorker, ToWorker, WorkerFactory, WorkerHandle } from './protocol';

export interface JobQueueOptions {
  kinds: readonly AnyJobKind[];
  worker: WorkerFactory;
  /** job.updated / job.progress go here (the backend's event hub) */
  emit?: (event: ApiEvent) => void;
  /** how long a cancelled job may take to stop before its worker is killed */
  cancelGraceMs?: number;
  /** finished jobs kept for list()/get(); older ones are forgotten */
  keepFinished?: number;
}

/** where the queue keeps its unfinished jobs (the open library); `scope` names it, and only the jobs queued under it are kept there */
export interface QueueStore {
  readonly scope: string;
  load(): KeptQueue;
  save(queue: KeptQueue): void;
}

interface Entry {
  info: JobInfo;
  /** the store the job was queued under; none: it is not kept */
  scope?: string;
  settled: Promise<JobInfo>;
  settle(info: JobInfo): void;
}

interface LiveWorker {
  handle: WorkerHandle;
  ready: boolean;
  outbox: ToWorker[];
}

const FINISHED: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled']);

function snapshot(info: JobInfo): JobInfo {
  return { ...info, ...(info.progress ? { progress: { ...info.progress } } : {}) };
}

/**
 * Runs jobs one at a time in a worker (heavy work owns the GPU; two at once would only
 * fight for it). The worker stays up between jobs so models stay loaded; when it crashes,
 * its job fails with the reason and the next job starts a fresh one.
 */
export class JobQueue {
  private readonly kinds: Map<string, AnyJobKind>;
  private readonly jobs = new Map<string, Entry>();
  private readonly pending: string[] = [];
  private current: { id: string; cancelRequested: boolean; killTimer?: NodeJS.Timeout } | undefined;
  private worker: LiveWorker | undefined;
  private closed = false;
  private paused = false;
  private store: QueueStore | undefined;
  private describe: ((kind: string, params: unknown) => JobSubjectRecord | undefined) | undefined;
  private readonly grace: number;
  private readonly keep: number;

  constructor(private readonly opts: JobQueueOptions) {
    this.kinds = kindTable(opts.kinds);
    this.grace = opts.cancelGraceMs ?? 3000;
    this.keep = opts.keepFinished ?? 200;
  }

  kindNames(): string[] {
    return [...this.kinds.keys()];
  }

  /** checks the kind and its params now, then queues the job */
  submit(kindName: string, params: unknown): JobInfo {
    if (this.closed) throw new UserError('jobs-closed', 'the job queue is shut down', 'Restart the studio.');
    const kind = this.kinds.get(kindName);
    if (!kind) {
      throw new UserError('unknown-job-kind', `there is no job kind '${kindName}'`, `Use one of: ${this.kindNames().join(', ') || '(none registered)'}.`);
    }
    const parsed = kind.params.safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.') || '(params)';
      throw new UserError('invalid-arguments', `${kindName} job: param ${field}: ${issue.message}`, `Check the ${kindName} job's parameters.`);
    }
    const info: JobInfo = { id: randomUUID(), kind: kindName, state: 'queued', params: parsed.data, createdAt: Date.now(), ...this.subjectOf(kindName, parsed.data) };
    this.add(info, this.store?.scope);
    this.pending.push(info.id);
    this.updated(info);
    const queued = snapshot(info);
    this.persist();
    this.queueChanged();
    this.pump();
    return queued;
  }

  /**
   * Keeps the queue in `store` from now on, after taking back what it kept: the job that was
   * running when the studio stopped goes first, then the queued ones in their order; its paused
   * state is restored. A kept job whose kind or params this studio no longer accepts comes back
   * failed, saying why.
   */
  attach(store: QueueStore): void {
    this.store = store;
    const kept = store.load();
    this.paused = kept.paused;
    const interrupted: string[] = [];
    for (const job of kept.jobs) {
      if (this.jobs.has(job.id)) continue;
      const restored = this.restore(job, store.scope);
      if (restored.state !== 'queued') continue;
      if (job.state === 'running') interrupted.push(job.id);
      else this.pending.push(job.id);
      this.updated(restored);
    }
    this.pending.unshift(...interrupted);
    this.persist();
    this.queueChanged();
    this.pump();
  }

  /** names what each job works on (its row's SKU, view and thumbnail), from now on */
  describeWith(describe: (kind: string, params: unknown) => JobSubjectRecord | undefined): void {
    this.describe = describe;
  }

  queueState(): QueueStateRecord {
    return { paused: this.paused, queued: [...this.pending] };
  }

  /** the running job finishes; the queued ones wait until resume() */
  pause(): QueueStateRecord {
    this.paused = true;
    this.persist();
    this.queueChanged();
    return this.queueState();
  }

  resume(): QueueStateRecord {
    this.paused = false;
    this.persist();
    this.queueChanged();
    this.pump();
    return this.queueState();
  }

  /** puts these queued jobs first, in this order; the other queued ones follow in theirs */
  reorder(ids: readonly string[]): QueueStateRecord {
    const unique = [...new Set(ids)];
    for (const id of unique) {
      if (this.entry(id).info.state !== 'queued') {
        throw new UserError('job-not-queued', `job ${id} is ${this.entry(id).info.state}: only queued jobs can be moved`, 'Move only jobs that are still waiting.');
      }
    }
    const rest = this.pending.filter((id) => !unique.includes(id));
    this.pending.splice(0, this.pending.length, ...unique, ...rest);
    this.persist();
    this.queueChanged();
    return this.queueState();
  }

  /** cancels every queued job and the running one; resolves with how many were stopped once all have */
  async cancelAll(): Promise<number> {
    const ids = [...(this.current ? [this.current.id] : []), ...this.pending];
    // the queued ones first, so none starts while the running one stops
    const stopped = await Promise.all([...ids].reverse().map((id) => this.cancel(id)));
    return stopped.filter((j) => j.state === 'cancelled').length;
  }

  /** forgets the done, failed and cancelled jobs (their results stay in the library); returns how many */
  clearFinished(): number {
    const ids = [...this.jobs.values()].filter((e) => FINISHED.has(e.info.state)).map((e) => e.info.id);
    this.forget(ids);
    return ids.length;
  }

  /** queues each failed job again with the same kind and params, in place of the failed row; returns the new jobs' ids */
  retryFailed(): string[] {
    const failed = [...this.jobs.values()].filter((e) => e.info.state === 'failed');
    const again = failed.map((e) => this.submit(e.info.kind, e.info.params).id);
    this.forget(failed.map((e) => e.info.id));
    return again;
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((e) => snapshot(e.info));
  }

  get(id: string): JobInfo {
    return snapshot(this.entry(id).info);
  }

  /** resolves once the job is done, failed or cancelled */
  async whenSettled(id: string): Promise<JobInfo> {
    return snapshot(await this.entry(id).settled);
  }

  /**
   * Stops a job: a queued one at once; a running one through its AbortSignal, and by killing
   * its worker when it has not stopped within the grace time (onnxruntime-node's RunOptions
   * have no `terminate`, so a UNet call in flight is stopped that way). Either way the job is
   * cancelled, not failed. Resolves when it has stopped.
   */
  async cancel(id: string): Promise<JobInfo> {
    const entry = this.entry(id);
    if (entry.info.state === 'queued') {
      this.finish(id, 'cancelled');
    } else if (entry.info.state === 'running' && this.current?.id === id && !this.current.cancelRequested) {
      const current = this.current;
      current.cancelRequested = true;
      this.send({ type: 'cancel', id });
      current.killTimer = setTimeout(() => {
        if (this.current !== current) return;
        const stuck = this.worker;
        this.worker = undefined;
        stuck?.handle.kill();
        this.finish(id, 'cancelled', undefined, undefined, `cancelled inside a model call: its worker was ended after ${this.grace} ms`);
      }, this.grace);
    }
    return this.whenSettled(id);
  }

  /** ends the worker; the kept queue stays as it was, so the next start takes the unfinished jobs back */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.pending]) this.finish(id, 'cancelled');
    if (this.current) this.finish(this.current.id, 'cancelled');
    const w = this.worker;
    this.worker = undefined;
    w?.handle.kill();
  }

  private entry(id: string): Entry {
    const entry = this.jobs.get(id);
    if (!entry) throw new UserError('job-not-found', `there is no job ${id}`, 'It may have ended long ago; list the jobs to see those kept.');
    return entry;
  }

  private add(info: JobInfo, scope: string | undefined): Entry {
    let settle!: (i: JobInfo) => void;
    const settled = new Promise<JobInfo>((r) => (settle = r));
    const entry: Entry = { info, settled, settle, ...(scope !== undefined ? { scope } : {}) };
    this.jobs.set(info.id, entry);
    return entry;
  }

  private restore(job: KeptJob, scope: string): JobInfo {
    const base = { id: job.id, kind: job.kind, params: job.params, createdAt: job.createdAt };
    const kind = this.kinds.get(job.kind);
    const parsed = kind?.params.safeParse(job.params);
    if (!kind || !parsed?.success) {
      const why = kind ? `its params no longer pass: ${parsed?.error?.issues[0]?.message ?? 'invalid'}` : `this studio has no job kind '${job.kind}'`;
      const info: JobInfo = { ...base, state: 'failed', finishedAt: Date.now(), error: { code: 'queue-restore-failed', message: `a kept ${job.kind} job could not be queued again: ${why}`, hint: 'Queue it again from the studio.' } };
      this.add(info, scope).settle(info);
      this.updated(info);
      return info;
    }
    const note = job.state === 'running' ? 'interrupted by a restart: it runs again first, reusing its cached inversion' : 'kept across a restart';
    const info: JobInfo = { ...base, params: parsed.data, state: 'queued', note, ...this.subjectOf(job.kind, parsed.data) };
    this.add(info, scope);
    return info;
  }

  private subjectOf(kind: string, params: unknown): { subject?: JobSubjectRecord } {
    try {
      const subject = this.describe?.(kind, params);
      return subject ? { subject } : {};
    } catch {
      // a row without its garment's name is still a row; the job itself does not depend on it
      return {};
    }
  }

  private forget(ids: readonly string[]): void {
    if (ids.length === 0) return;
    for (const id of ids) this.jobs.delete(id);
    this.opts.emit?.({ type: 'jobs.removed', payload: { ids: [...ids] } });
  }

  /** writes the unfinished jobs queued under the store's scope to it; a closed queue writes nothing (its jobs come back next time) */
  private persist(): void {
    const store = this.store;
    if (!store || this.closed) return;
    const kept = (id: string, state: KeptJob['state']): KeptJob[] => {
      const e = this.jobs.get(id);
      return e && e.scope === store.scope ? [{ id, kind: e.info.kind, params: e.info.params, state, createdAt: e.info.createdAt }] : [];
    };
    const jobs = [...(this.current ? kept(this.current.id, 'running') : []), ...this.pending.flatMap((id) => kept(id, 'queued'))];
    try {
      store.save({ jobs, paused: this.paused });
    } catch (err) {
      // the queue runs on; what was kept before stays the last good copy
      console.error(`r2r: the queue could not be kept in the library (${store.scope}): ${(err as Error).message}`);
    }
  }

  private queueChanged(): void {
    this.opts.emit?.({ type: 'queue.updated', payload: this.queueState() });
  }

  private updated(info: JobInfo): void {
    this.opts.emit?.({ type: 'job.updated', payload: snapshot(info) });
  }

  private pump(): void {
    if (this.current || this.closed || this.paused) return;
    const id = this.pending.shift();
    if (!id) return;
    const { info } = this.jobs.get(id)!;
    info.state = 'running';
    info.startedAt = Date.now();
    this.current = { id, cancelRequested: false };
    this.updated(info);
    this.persist();
    this.queueChanged();
    this.send({ type: 'run', id, kind: info.kind, params: info.params });
  }

  private send(msg: ToWorker): void {
    const w = this.worker ?? this.startWorker();
    if (w.ready) w.handle.send(msg);
    else w.outbox.push(msg);
  }

  private startWorker(): LiveWorker {
    const live: LiveWorker = { handle: undefined as unknown as WorkerHandle, ready: false, outbox: [] };
    this.worker = live;
    live.handle = this.opts.worker({
      message: (msg) => this.onMessage(live, msg),
      exit: (reason) => this.onExit(live, reason),
    });
    return live;
  }

  private onMessage(from: LiveWorker, msg: FromWorker): void {
    if (from !== this.worker) return;
    if (msg.type === 'ready') {
      from.ready = true;
      for (const m of from.outbox.splice(0)) from.handle.send(m);
      return;
    }
    if (msg.id !== this.current?.id) return;
    const { info } = this.jobs.get(msg.id)!;
    if (msg.type === 'progress') {
      info.progress = msg.progress;
      this.opts.emit?.({ type: 'job.progress', payload: { id: msg.id, progress: { ...msg.progress } } });
    } else if (msg.type === 'done') this.finish(msg.id, 'done', undefined, msg.result);
    else if (msg.type === 'failed') this.finish(msg.id, 'failed', msg.error);
    else this.finish(msg.id, 'cancelled');
  }

  private onExit(from: LiveWorker, reason: string): void {
    if (from !== this.worker) return;
    this.worker = undefined;
    const current = this.current;
    if (!current) return;
    if (current.cancelRequested) this.finish(current.id, 'cancelled');
    else this.finish(current.id, 'failed', { code: 'worker-crashed', message: reason, hint: 'The studio is still running; start the job again. If it crashes again, try another execution provider or smaller settings.' });
  }

  private finish(id: string, state: JobState, error?: JobFailure, result?: unknown, note?: string): void {
    const entry = this.jobs.get(id)!;
    const { info } = entry;
    if (FINISHED.has(info.state)) return;
    const wasQueued = info.state === 'queued';
    info.state = state;
    info.finishedAt = Date.now();
    if (state === 'done') info.result = result;
    if (state === 'failed' && error) info.error = error;
    if (note) info.note = note;
    else delete info.note;
    if (wasQueued) this.pending.splice(this.pending.indexOf(id), 1);
    if (this.current?.id === id) {
      clearTimeout(this.current.killTimer);
      this.current = undefined;
    }
    this.updated(info);
    entry.settle(info);
    this.persist();
    this.queueChanged();
    this.forgetOld();
    this.pump();
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((e) => FINISHED.has(e.info.state));
    this.forget(finished.slice(0, Math.max(0, finished.length - this.keep)).map((e) => e.info.id));
  }
}
