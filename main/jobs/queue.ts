import { randomUUID } from 'node:crypto';
import type { ApiEvent } from '../../preload/api/contract';
import type { JobFailure, JobInfo, JobState } from '../../preload/api/job-types';
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

interface Entry {
  info: JobInfo;
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
    const info: JobInfo = { id: randomUUID(), kind: kindName, state: 'queued', params: parsed.data, createdAt: Date.now() };
    let settle!: (i: JobInfo) => void;
    const settled = new Promise<JobInfo>((r) => (settle = r));
    this.jobs.set(info.id, { info, settled, settle });
    this.pending.push(info.id);
    this.updated(info);
    const queued = snapshot(info);
    this.pump();
    return queued;
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
   * its worker when it has not stopped within the grace time. Resolves when it has stopped.
   */
  async cancel(id: string): Promise<JobInfo> {
    const entry = this.entry(id);
    if (entry.info.state === 'queued') {
      this.pending.splice(this.pending.indexOf(id), 1);
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
        this.finish(id, 'cancelled', { message: `stopped by ending its worker: it did not stop within ${this.grace} ms` });
      }, this.grace);
    }
    return this.whenSettled(id);
  }

  /** cancels everything and ends the worker */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of this.pending.splice(0)) this.finish(id, 'cancelled');
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

  private updated(info: JobInfo): void {
    this.opts.emit?.({ type: 'job.updated', payload: snapshot(info) });
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const id = this.pending.shift();
    if (!id) return;
    const { info } = this.jobs.get(id)!;
    info.state = 'running';
    info.startedAt = Date.now();
    this.current = { id, cancelRequested: false };
    this.updated(info);
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

  private finish(id: string, state: JobState, error?: JobFailure | { message: string }, result?: unknown): void {
    const entry = this.jobs.get(id)!;
    const { info } = entry;
    if (FINISHED.has(info.state)) return;
    info.state = state;
    info.finishedAt = Date.now();
    if (state === 'done') info.result = result;
    if (state === 'failed' && error) info.error = error as JobFailure;
    if (state === 'cancelled' && error) info.error = { code: 'cancelled', message: error.message };
    if (this.current?.id === id) {
      clearTimeout(this.current.killTimer);
      this.current = undefined;
    }
    this.updated(info);
    entry.settle(info);
    this.forgetOld();
    this.pump();
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((e) => FINISHED.has(e.info.state));
    for (const e of finished.slice(0, Math.max(0, finished.length - this.keep))) this.jobs.delete(e.info.id);
  }
}
