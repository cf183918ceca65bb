import type { Migration } from './types';

/**
 * The job queue kept in the library, so a restart loses no queued work: the jobs not yet
 * finished (kind, params as JSON, their place in the queue, whether one was running when the
 * studio stopped) and whether the queue is paused. Finished jobs are not kept here: their
 * results are generations.
 */
export const migration008: Migration = {
  version: 8,
  name: 'queue persistence',
  up(db) {
    db.exec(`
      CREATE TABLE queue_jobs (
        id         TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        params     TEXT NOT NULL,
        position   INTEGER NOT NULL,
        state      TEXT NOT NULL CHECK (state IN ('queued', 'running')),
        created_at INTEGER NOT NULL
      );
      CREATE TABLE queue_settings (
        id     INTEGER PRIMARY KEY CHECK (id = 1),
        paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1))
      );
    `);
  },
};
