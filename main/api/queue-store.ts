import type { Library } from '../catalog/library';
import { loadQueue, saveQueue } from '../catalog/queries/queue-jobs';
import type { JobQueue, QueueStore } from '../jobs/queue';
import type { LibraryHolder } from './library-service';

/** the open library as the queue's store: its unfinished jobs and paused state live in queue_jobs / queue_settings */
export function libraryQueueStore(lib: Library): QueueStore {
  return { scope: lib.root, load: () => loadQueue(lib), save: (queue) => saveQueue(lib, queue) };
}

/**
 * Keeps the queue in whichever library is open: the one open now, and each one opened later
 * (its kept jobs come back queued; jobs queued under the library before stay kept there).
 */
export function keepQueueInLibrary(queue: JobQueue, holder: LibraryHolder): () => void {
  if (holder.current) queue.attach(libraryQueueStore(holder.current));
  return holder.onChange((change) => {
    if (change.kind !== 'recent-cleared' && holder.current) queue.attach(libraryQueueStore(holder.current));
  });
}
