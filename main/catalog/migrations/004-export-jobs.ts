import type { Migration } from './types';

/** batch exports (main/export): a job per export command, an item per file it writes */
export const migration004: Migration = {
  version: 4,
  name: 'export jobs',
  up(db) {
    db.exec(`
      CREATE TABLE export_jobs (
        id          TEXT PRIMARY KEY,
        params      TEXT NOT NULL CHECK (json_valid(params)),
        created_at  TEXT NOT NULL,
        finished_at TEXT
      );

      -- plan: the item as planned (source, names, generation), outcome: its latest result
      CREATE TABLE export_items (
        job_id     TEXT NOT NULL REFERENCES export_jobs (id) ON DELETE CASCADE,
        idx        INTEGER NOT NULL,
        file       TEXT NOT NULL,
        plan       TEXT NOT NULL CHECK (json_valid(plan)),
        status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        outcome    TEXT CHECK (outcome IS NULL OR json_valid(outcome)),
        updated_at TEXT,
        PRIMARY KEY (job_id, idx)
      ) WITHOUT ROWID;
      CREATE INDEX export_items_by_status ON export_items (job_id, status);
    `);
  },
};
