import { fileURLToPath } from 'node:url';
import { forkWorkerFactory, type ForkWorkerOptions } from '../jobs/fork-worker';
import type { WorkerFactory } from '../jobs/protocol';

/** the studio's job worker entry (TypeScript, run through tsx when forked from sources) */
export const JOB_WORKER_ENTRY = fileURLToPath(new URL('./job-worker-entry.ts', import.meta.url));

/** a forked Node job worker running the studio's kinds (plus a test's `kindModules`) */
export function forkJobWorker(opts: Omit<ForkWorkerOptions, 'entry'> = {}): WorkerFactory {
  return forkWorkerFactory({ entry: JOB_WORKER_ENTRY, ...opts });
}
