import type { JobFailure, JobProgress } from '../../preload/api/job-types';

/** messages from the queue (main process) to the job worker */
export type ToWorker = { type: 'run'; id: string; kind: string; params: unknown } | { type: 'cancel'; id: string };

/** messages from the job worker to the queue */
export type FromWorker =
  | { type: 'ready'; kinds: string[] }
  | { type: 'progress'; id: string; progress: JobProgress }
  | { type: 'done'; id: string; result: unknown }
  | { type: 'failed'; id: string; error: JobFailure }
  | { type: 'cancelled'; id: string };

/** what the queue hears from a worker it started */
export interface WorkerHooks {
  message(msg: FromWorker): void;
  /** called once when the worker is gone, killed or crashed; `reason` is for people */
  exit(reason: string): void;
}

/** a started worker, whatever runs it (a forked Node process, an Electron utility process, this thread) */
export interface WorkerHandle {
  readonly pid: number | undefined;
  send(msg: ToWorker): void;
  /** ends it now, even if it is stuck in a busy loop */
  kill(): void;
}

/** starts a fresh worker; the queue calls it for the first job and again after a crash */
export type WorkerFactory = (hooks: WorkerHooks) => WorkerHandle;

export function isFromWorker(msg: unknown): msg is FromWorker {
  const t = (msg as { type?: unknown } | null)?.type;
  return t === 'ready' || t === 'progress' || t === 'done' || t === 'failed' || t === 'cancelled';
}

/** why a worker ended, from its exit code or signal and the tail of its stderr */
export function describeExit(code: number | null, signal: string | null, stderrTail = ''): string {
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const lines = stderrTail.split('\n').map((l) => l.trim()).filter(Boolean);
  // a Node crash ends with its stack and version: the error line itself says most
  const errorLine = lines.findLast((l) => /\b\w*Error\b[:\]]/.test(l) && !l.startsWith('at '));
  const detail = errorLine ?? lines.slice(-3).join(' | ');
  return `the job worker ${how}` + (detail ? `: ${detail.length > 400 ? detail.slice(0, 400) + '…' : detail}` : '');
}
