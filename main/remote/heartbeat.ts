import type { Redis } from 'ioredis';
import { QUEUE_PREFIX } from './shot-job';

const KEY_PREFIX = `${QUEUE_PREFIX}:workers:`;
/** a worker that stops beating (killed, machine gone) drops off the list after this */
export const HEARTBEAT_TTL_MS = 10_000;
export const HEARTBEAT_EVERY_MS = 2_000;

export interface WorkerState {
  id: string;
  host: string;
  pid: number;
  provider: string;
  model: string;
  concurrency: number;
  /** onnxruntime threads per session (`--threads`); absent: onnxruntime's default, one per core */
  threads?: number;
  /** the shots it runs now */
  current: { jobId: string; label: string; step?: number; of?: number }[];
  shotsDone: number;
  shotsFailed: number;
  /** shots finished in the last minute */
  shotsPerMin: number;
  startedAt: string;
  updatedAt: string;
}

export async function writeHeartbeat(client: Redis, state: WorkerState): Promise<void> {
  await client.set(KEY_PREFIX + state.id, JSON.stringify(state), 'PX', HEARTBEAT_TTL_MS);
}

export async function removeHeartbeat(client: Redis, id: string): Promise<void> {
  await client.del(KEY_PREFIX + id);
}

/** the workers that beat within the last HEARTBEAT_TTL_MS, by host then id */
export async function listWorkers(client: Redis): Promise<WorkerState[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${KEY_PREFIX}*`, 'COUNT', 200);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await client.mget(...keys);
  return values
    .flatMap((v) => (v ? [JSON.parse(v) as WorkerState] : []))
    .sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id));
}

/** shots per minute from the finish times of recent shots (the window is the last minute) */
export function shotsPerMinute(finishedAt: number[], now = Date.now()): number {
  return finishedAt.filter((t) => now - t <= 60_000).length;
}
