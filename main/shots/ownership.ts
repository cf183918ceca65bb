import { hostname } from 'node:os';
import type { Library } from '../catalog/library';
import { insertGeneration, renewGenerationLease, runningGenerations, updateGeneration, type GenerationInput, type GenerationOwner } from '../catalog/queries/generations';
import type { Generation } from '../catalog/types';

/** how long an owner vouches for its running shot without renewing; it renews far more often */
export const LEASE_MS = 60_000;
const RENEW_MS = 10_000;

/** this process as the owner of a shot it starts now */
export function thisProcessOwner(now = Date.now()): GenerationOwner {
  return { host: hostname(), pid: process.pid, leaseUntil: new Date(now + LEASE_MS).toISOString() };
}

/** whether a process with this id exists on this machine (EPERM: it does, under another user) */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface OrphanCheck {
  now?: number;
  /** rows written before owners were recorded count as orphans when started before this */
  ownerlessBefore?: Date;
  processExists?: (pid: number) => boolean;
}

const processStart = new Date(Date.now() - process.uptime() * 1000);

/**
 * Whether the owner of a running shot is gone: its lease ran out (it stopped renewing, on any
 * machine; a reused process id is caught this way too), or it ran on this machine and its
 * process no longer exists.
 */
export function ownerGone(owner: GenerationOwner, check: OrphanCheck = {}): boolean {
  const now = check.now ?? Date.now();
  if (Date.parse(owner.leaseUntil) < now) return true;
  return owner.host === hostname() && !(check.processExists ?? processExists)(owner.pid);
}

function orphanError(owner: GenerationOwner | null): string {
  const who = owner ? `the process that ran it (pid ${owner.pid} on ${owner.host})` : 'the process that ran it';
  return `interrupted: ${who} stopped before the shot finished (a crash, a kill, or a cancel that did not stop in time)`;
}

/**
 * Marks generations left `running` by an owner that is gone as failed: a process ended mid-shot
 * (a crash, a kill, a cancel past the grace time) cannot record it. Shots whose owner still
 * runs, in this process or another (a studio and a CLI export on one library), are left alone.
 * Returns the ids it settled.
 */
export function settleOrphans(lib: Library, check: OrphanCheck = {}): number[] {
  const ownerlessBefore = (check.ownerlessBefore ?? processStart).toISOString();
  const orphans = runningGenerations(lib).filter((g) => (g.owner ? ownerGone(g.owner, check) : g.startedAt !== null && g.startedAt < ownerlessBefore));
  for (const g of orphans) updateGeneration(lib, g.id, { status: 'failed', error: orphanError(g.owner) });
  return orphans.map((g) => g.id);
}

export interface OwnedGeneration {
  generation: Generation;
  /** stops renewing the lease (call once the row is done, failed or cancelled) */
  release(): void;
}

/** records a `running` generation owned by this process and renews its lease until released */
export function startOwnedGeneration(lib: Library, input: Omit<GenerationInput, 'status' | 'owner'>): OwnedGeneration {
  const generation = insertGeneration(lib, { ...input, status: 'running', owner: thisProcessOwner() });
  const timer = setInterval(() => {
    // a library closed under a running shot stops the renewals; the lease then runs out
    try {
      if (!renewGenerationLease(lib, generation.id, thisProcessOwner().leaseUntil)) clearInterval(timer);
    } catch {
      clearInterval(timer);
    }
  }, RENEW_MS);
  // renewals alone never keep a process alive
  timer.unref();
  return { generation, release: () => clearInterval(timer) };
}
