import type { JobFailure } from '../../preload/api/job-types';
import { isUserError } from '../common/errors';
import { JobCancelledError, type AnyJobKind } from './kind';
import type { FromWorker, ToWorker } from './protocol';

export function toFailure(err: unknown): JobFailure {
  if (isUserError(err)) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  return { code: 'job-error', message: err instanceof Error ? err.message : String(err) };
}

/**
 * The worker side of the job protocol: runs handlers of the registered kinds, forwards their
 * progress, and aborts their signal on cancel. Hosted by every worker adapter.
 */
export function createWorkerRuntime(kinds: Map<string, AnyJobKind>, post: (msg: FromWorker) => void) {
  const running = new Map<string, AbortController>();

  // a result that cannot be cloned must fail the job, not the worker
  const safePost = (msg: FromWorker) => {
    try {
      post(msg);
    } catch (err) {
      if (msg.type === 'done' || msg.type === 'progress') {
        post({ type: 'failed', id: msg.id, error: { code: 'job-result-not-cloneable', message: `the job's ${msg.type === 'done' ? 'result' : 'progress'} cannot be sent to the app: ${(err as Error).message}` } });
      } else throw err;
    }
  };

  async function run(id: string, kindName: string, rawParams: unknown): Promise<void> {
    const kind = kinds.get(kindName);
    if (!kind) {
      safePost({ type: 'failed', id, error: { code: 'unknown-job-kind', message: `the job worker has no job kind '${kindName}'` } });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    const signal = controller.signal;
    try {
      const params = kind.params.parse(rawParams);
      const result = await kind.run(params as never, {
        jobId: id,
        signal,
        progress: (progress) => {
          if (!signal.aborted) safePost({ type: 'progress', id, progress });
        },
      });
      safePost(signal.aborted ? { type: 'cancelled', id } : { type: 'done', id, result });
    } catch (err) {
      safePost(signal.aborted || err instanceof JobCancelledError ? { type: 'cancelled', id } : { type: 'failed', id, error: toFailure(err) });
    } finally {
      running.delete(id);
    }
  }

  return {
    ready: () => post({ type: 'ready', kinds: [...kinds.keys()] }),
    handle(msg: ToWorker): void {
      if (msg.type === 'run') void run(msg.id, msg.kind, msg.params);
      else if (msg.type === 'cancel') running.get(msg.id)?.abort(new JobCancelledError());
    },
    /** aborts everything (the inline adapter's kill) */
    abortAll(): void {
      for (const c of running.values()) c.abort(new JobCancelledError());
    },
  };
}
