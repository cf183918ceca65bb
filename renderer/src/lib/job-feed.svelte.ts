import type { JobInfo } from '../../../preload/api/job-types';
import { api } from './api';

/**
 * The backend's jobs as one live list the staging strip, the queue drawer and other views read:
 * loaded once, then kept by the job events. A progress event without a preview keeps the last
 * preview. The queue's order and paused state come with it.
 */
class JobFeed {
  jobs = $state<JobInfo[]>([]);
  /** queued job ids, next first */
  queued = $state<string[]>([]);
  paused = $state(false);
  private started = false;

  start(): void {
    if (this.started) return;
    this.started = true;
    api.jobs.list().then((list) => {
      const known = new Set(this.jobs.map((j) => j.id));
      this.jobs = [...list.filter((j) => !known.has(j.id)), ...this.jobs];
    }).catch(() => {
      // the queue panel shows why the backend does not answer; the feed just stays empty
    });
    api.jobs.queue().then((q) => {
      this.queued = q.queued;
      this.paused = q.paused;
    }).catch(() => undefined);
    api.onEvent((e) => {
      if (e.type === 'job.updated') {
        const i = this.jobs.findIndex((j) => j.id === e.payload.id);
        const progress = e.payload.progress ?? this.jobs[i]?.progress;
        const next = { ...e.payload, ...(progress ? { progress } : {}) };
        if (i >= 0) this.jobs[i] = next;
        else this.jobs.push(next);
      } else if (e.type === 'job.progress') {
        const j = this.jobs.find((x) => x.id === e.payload.id);
        if (j) j.progress = { ...e.payload.progress, ...(e.payload.progress.preview ? {} : j.progress?.preview ? { preview: j.progress.preview } : {}) };
      } else if (e.type === 'queue.updated') {
        this.queued = e.payload.queued;
        this.paused = e.payload.paused;
      } else if (e.type === 'jobs.removed') {
        const gone = new Set(e.payload.ids);
        this.jobs = this.jobs.filter((j) => !gone.has(j.id));
      }
    });
  }
}

export const jobFeed = new JobFeed();

/** the render a generate or sweep job works on (its params name it; an outfit's jobs name a combo too) */
export function renderOfJob(j: JobInfo): number | undefined {
  const p = j.params as { renderId?: unknown } | undefined;
  return (j.kind === 'generate' || j.kind === 'sweep') && typeof p?.renderId === 'number' ? p.renderId : undefined;
}

/** the catalog generation a finished generate job recorded */
export function generationOfJob(j: JobInfo): number | undefined {
  const r = j.result as { generationId?: unknown } | undefined;
  return j.state === 'done' && typeof r?.generationId === 'number' ? r.generationId : undefined;
}
