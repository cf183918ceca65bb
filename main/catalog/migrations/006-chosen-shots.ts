import type { Migration } from './types';

/**
 * The shot an artist accepted for a render, among its generations: at most one per render
 * (the primary key), gone with the render or the generation (the cascades).
 */
export const migration006: Migration = {
  version: 6,
  name: 'chosen shots',
  up(db) {
    db.exec(`
      CREATE TABLE chosen_shots (
        render_id     INTEGER PRIMARY KEY REFERENCES renders (id) ON DELETE CASCADE,
        generation_id INTEGER NOT NULL UNIQUE REFERENCES generations (id) ON DELETE CASCADE,
        chosen_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
    `);
  },
};
