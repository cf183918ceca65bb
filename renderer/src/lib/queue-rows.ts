// the queue drawer's rows and orders, apart from the live feed (plain functions the unit tests run)
import type { JobInfo } from '../../../preload/api/job-types';

/** a queue row's settings line: strength, TAC, steps and size of a generate or sweep job */
export function keyParamsOfJob(j: JobInfo): string {
  const p = (j.params ?? {}) as { strength?: unknown; tacRatio?: unknown; steps?: unknown; maxSide?: unknown; grid?: unknown };
  const parts: string[] = [];
  if (Array.isArray(p.grid)) parts.push(`${p.grid.length} cells`);
  else {
    if (typeof p.strength === 'number') parts.push(`strength ${p.strength}`);
    if (typeof p.tacRatio === 'number') parts.push(`TAC ${p.tacRatio}`);
  }
  if (typeof p.steps === 'number') parts.push(`${p.steps} steps`);
  if (typeof p.maxSide === 'number') parts.push(`${p.maxSide} px`);
  return parts.join(' · ');
}

/** '4 s', '2 min 5 s', '1 h 3 min' */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}

/** the queue's rows: the running job, the queued ones in queue order, then the finished ones, newest first */
export function queueRows(jobs: readonly JobInfo[], queued: readonly string[]): JobInfo[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const waiting = queued.map((id) => byId.get(id)).filter((j): j is JobInfo => j?.state === 'queued');
  const listed = new Set(waiting.map((j) => j.id));
  // a queued job the order has not caught up with yet goes last among the waiting
  const late = jobs.filter((j) => j.state === 'queued' && !listed.has(j.id));
  const finished = jobs.filter((j) => j.state === 'done' || j.state === 'failed' || j.state === 'cancelled').sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
  return [...jobs.filter((j) => j.state === 'running'), ...waiting, ...late, ...finished];
}

/** the queued order after moving `id` one place up (-1) or down (+1); unchanged at either end */
export function moveInOrder(order: readonly string[], id: string, by: -1 | 1): string[] {
  const i = order.indexOf(id);
  const to = i + by;
  if (i < 0 || to < 0 || to >= order.length) return [...order];
  const next = [...order];
  [next[i], next[to]] = [next[to]!, next[i]!];
  return next;
}

/** the queued order after dropping `id` before `before` (at the end when `before` is null) */
export function dropInOrder(order: readonly string[], id: string, before: string | null): string[] {
  const rest = order.filter((x) => x !== id);
  const at = before === null ? rest.length : rest.indexOf(before);
  rest.splice(at < 0 ? rest.length : at, 0, id);
  return rest;
}
