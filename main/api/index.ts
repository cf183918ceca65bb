import type { R2RApi } from '../../preload/api/contract';
import { forkWorkerFactory } from '../jobs/fork-worker';
import type { AnyJobKind } from '../jobs/kind';
import type { WorkerFactory } from '../jobs/protocol';
import { JobQueue } from '../jobs/queue';
import { jobKinds } from '../jobs/registry';
import { createJobsService } from '../jobs/service';
import { appInfo } from './app-info';
import { EventHub } from './events';

export interface Backend {
  api: R2RApi;
  events: EventHub;
  jobs: JobQueue;
  close(): Promise<void>;
}

export interface BackendOptions {
  /** where jobs run: a forked Node process by default; the desktop app passes its utility process */
  jobWorker?: WorkerFactory;
  /** the job kinds; the registry's by default */
  jobKinds?: readonly AnyJobKind[];
  cancelGraceMs?: number;
}

/** the in-process implementation of the whole API contract */
export function createBackend(opts: BackendOptions = {}): Backend {
  const events = new EventHub();
  const jobs = new JobQueue({
    kinds: opts.jobKinds ?? jobKinds,
    worker: opts.jobWorker ?? forkWorkerFactory(),
    emit: (e) => events.emit(e),
    ...(opts.cancelGraceMs !== undefined ? { cancelGraceMs: opts.cancelGraceMs } : {}),
  });
  const api: R2RApi = {
    app: { info: () => appInfo() },
    jobs: createJobsService(jobs),
  };
  return { api, events, jobs, close: () => jobs.close() };
}
