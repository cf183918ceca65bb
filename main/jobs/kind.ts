import type { z } from 'zod';
import type { JobProgress } from '../../preload/api/job-types';

/** what a job's handler gets besides its params */
export interface JobContext {
  readonly jobId: string;
  /** aborted when the user cancels: check it between steps and pass it into long calls */
  readonly signal: AbortSignal;
  /** reports step/total (and maybe a message and a PNG data-URL preview) to every UI */
  progress(progress: JobProgress): void;
}

/**
 * One kind of heavy work, registered by name. `params` is checked in the main process when
 * the job is submitted (so a bad call fails at once) and `run` executes in the job worker.
 * The result must survive structured clone (plain data, typed arrays).
 */
export interface JobKind<P = unknown, R = unknown> {
  readonly name: string;
  readonly summary: string;
  readonly params: z.ZodType<P>;
  run(params: P, ctx: JobContext): Promise<R>;
}

/** keeps a kind's param type tied to its handler: `defineJobKind({ name, params: z.object(...), run })` */
export function defineJobKind<P, R>(kind: JobKind<P, R>): JobKind<P, R> {
  return kind;
}

export type AnyJobKind = JobKind<never, unknown>;

/** thrown by handlers (or `throwIfCancelled`) when the job's signal was aborted */
export class JobCancelledError extends Error {
  constructor() {
    super('the job was cancelled');
    this.name = 'JobCancelledError';
  }
}

/** call between steps: stops the handler right there when the user cancelled */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new JobCancelledError();
}

export function kindTable(kinds: readonly AnyJobKind[]): Map<string, AnyJobKind> {
  const table = new Map<string, AnyJobKind>();
  for (const k of kinds) {
    if (!/^[a-z][a-z0-9-]*$/.test(k.name)) throw new Error(`job kind name '${k.name}' must be lower-case words joined by '-'`);
    if (table.has(k.name)) throw new Error(`job kind '${k.name}' is registered twice`);
    table.set(k.name, k);
  }
  return table;
}
