import type { JobsService } from '../../preload/api/contract';
import type { JobQueue } from './queue';

/** the `jobs` API service over the queue */
export function createJobsService(queue: JobQueue): JobsService {
  return {
    submit: async (kind, params) => queue.submit(kind, params).id,
    list: async () => queue.list(),
    get: async (id) => queue.get(id),
    cancel: (id) => queue.cancel(id),
    queue: async () => queue.queueState(),
    cancelAll: () => queue.cancelAll(),
    clearFinished: async () => queue.clearFinished(),
    retryFailed: async () => queue.retryFailed(),
    pause: async () => queue.pause(),
    resume: async () => queue.resume(),
    reorder: async (ids) => queue.reorder(ids),
  };
}
