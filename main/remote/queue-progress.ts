import type { RemoteProgressRecord, RemoteWorkerRecord } from '../../preload/api/remote-types';
import type { WorkerState } from './heartbeat';

export interface QueueProgress {
  /** shots per minute of all workers together (each counts its last minute) */
  shotsPerMin: number;
  /** seconds until the remaining shots are made at that rate; null before any worker finished a shot */
  etaS: number | null;
}

export function queueProgress(workers: WorkerState[], remaining: number): QueueProgress {
  const shotsPerMin = workers.reduce((n, w) => n + w.shotsPerMin, 0);
  return { shotsPerMin, etaS: shotsPerMin > 0 ? Math.round((remaining / shotsPerMin) * 60) : null };
}

/** 75 -> "1 min 15 s", 3725 -> "1 h 2 min" */
export function formatEta(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function workerPart(w: WorkerState): string {
  const shots = w.current.map((c) => `${c.label}${c.step ? ` step ${c.step}/${c.of}` : ''}`).join(', ') || 'idle';
  return `${w.id} (${w.host}, ${w.provider}): ${shots}, ${w.shotsPerMin}/min`;
}

/**
 * The progress lines `r2r export --queue` prints while workers make its shots: a total with
 * the ETA, then one line per worker (its host, provider, the shot it makes and its own rate).
 */
export function queueProgressLines(workers: WorkerState[], remaining: number): string[] {
  const { shotsPerMin, etaS } = queueProgress(workers, remaining);
  const total = `${remaining} shot(s) left, ${workers.length} worker(s), ${shotsPerMin} shots/min, ETA ${etaS === null ? 'unknown until a shot is made' : formatEta(etaS)}`;
  if (workers.length === 0) return [`${total}; start one with \`r2r worker --redis <url>\``];
  return [total, ...workers.map((w) => `  ${workerPart(w)}`)];
}

/** a heartbeat as the studio shows it: no pid, model path or timestamps */
export function remoteWorkerRecord(w: WorkerState): RemoteWorkerRecord {
  return {
    id: w.id,
    host: w.host,
    provider: w.provider,
    ...(w.threads ? { threads: w.threads } : {}),
    concurrency: w.concurrency,
    current: w.current.map((c) => ({ label: c.label, ...(c.step ? { step: c.step, of: c.of } : {}) })),
    shotsDone: w.shotsDone,
    shotsFailed: w.shotsFailed,
    shotsPerMin: w.shotsPerMin,
  };
}

/** an export's progress while workers make its shots */
export function remoteProgress(workers: WorkerState[], remaining: number): RemoteProgressRecord {
  return { workers: workers.map(remoteWorkerRecord), remaining, ...queueProgress(workers, remaining) };
}
