import { listGenerations, updateGeneration, type Library } from '../catalog/index';

const ORPHAN_ERROR = 'its job worker stopped before the shot finished (ended after a cancel that did not stop in time, or crashed)';

/**
 * Marks generations left `running` by a job worker that is gone as failed: a worker ended
 * mid-shot (a cancel past the grace time, a crash) cannot record it. Only generation jobs
 * write `running` rows, one at a time per studio, so those started before this worker
 * process are orphans. Returns their ids.
 */
export function settleOrphans(lib: Library, startedBefore: Date): number[] {
  const cutoff = startedBefore.toISOString();
  const orphans = listGenerations(lib, { status: 'running' }).filter((g) => g.startedAt !== null && g.startedAt < cutoff);
  for (const g of orphans) updateGeneration(lib, g.id, { status: 'failed', error: ORPHAN_ERROR });
  return orphans.map((g) => g.id);
}

const settled = new Set<string>();
const workerStart = new Date(Date.now() - process.uptime() * 1000);

/** settleOrphans once per library in this worker process */
export function settleOrphansOnce(lib: Library): void {
  if (settled.has(lib.root)) return;
  settled.add(lib.root);
  settleOrphans(lib, workerStart);
}
