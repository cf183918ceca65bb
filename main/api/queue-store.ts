import { resolve } from 'node:path';
import type { Library } from '../catalog/library';
import { loadQueue, renderSubject, saveQueue } from '../catalog/queries/queue-jobs';
import type { JobQueue, QueueStore } from '../jobs/queue';
import type { LibraryHolder } from './library-service';

/** the open library as the queue's store: its unfinished jobs and paused state live in queue_jobs / queue_settings */
export function libraryQueueStore(lib: Library): QueueStore {
  return { scope: lib.root, load: () => loadQueue(lib), save: (queue) => saveQueue(lib, queue) };
}

/**
 * Keeps the queue in whichever library is open: the one open now, and each one opened later
 * (its kept jobs come back queued; jobs queued under the library before stay kept there).
 * Jobs on a render of the open library get its SKU, view and thumbnail for their rows.
 */
export function keepQueueInLibrary(queue: JobQueue, holder: LibraryHolder): () => void {
  queue.describeWith((_kind, params) => {
    const p = params as { library?: unknown; renderId?: unknown } | undefined;
    const lib = holder.current;
    if (!lib || typeof p?.renderId !== 'number' || typeof p.library !== 'string') return undefined;
    return resolve(p.library) === lib.root ? renderSubject(lib, p.renderId) : undefined;
  });
  if (holder.current) queue.attach(libraryQueueStore(holder.current));
  return holder.onChange((change) => {
    if (change.kind !== 'recent-cleared' && holder.current) queue.attach(libraryQueueStore(holder.current));
  });
}
