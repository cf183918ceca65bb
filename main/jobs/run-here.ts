import type { JobProgress } from '../../preload/api/job-types';
import { UserError } from '../common/errors';
import type { JobKind } from './kind';

/**
 * Runs one job kind's handler in this process, for the CLI (its process is already apart
 * from any UI): the same param check as the queue, progress to a callback, cancel by signal.
 */
export async function runJobHere<P, R>(
  kind: JobKind<P, R>,
  params: unknown,
  opts: { onProgress?: (p: JobProgress) => void; signal?: AbortSignal; jobId?: string } = {},
): Promise<R> {
  const parsed = kind.params.safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError('invalid-arguments', `${kind.name} job: param ${issue.path.map(String).join('.') || '(params)'}: ${issue.message}`, `Check the ${kind.name} job's parameters.`);
  }
  return kind.run(parsed.data, {
    jobId: opts.jobId ?? `${kind.name}-here`,
    signal: opts.signal ?? new AbortController().signal,
    progress: (p) => opts.onProgress?.(p),
  });
}
