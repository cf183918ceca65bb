import type { Migration } from './types';

/**
 * What a colorway's swatch (colorways.texture_asset_id) is a repeat of: its period in
 * source pixels (sub-pixel, so a knit's 6.75 px row survives the whole-pixel PNG), where it
 * came from (the procedural sample's true tile, or extracted from a picture) and, for an
 * extracted one, how sure the repeat estimate was. Gone with the colorway.
 */
export const migration007: Migration = {
  version: 7,
  name: 'swatch repeats',
  up(db) {
    db.exec(`
      CREATE TABLE swatch_repeats (
        colorway_id  INTEGER PRIMARY KEY REFERENCES colorways (id) ON DELETE CASCADE,
        period_x     REAL NOT NULL CHECK (period_x > 0),
        period_y     REAL NOT NULL CHECK (period_y > 0),
        origin       TEXT NOT NULL CHECK (origin IN ('procedural', 'extracted')),
        confidence_x REAL,
        confidence_y REAL,
        updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
    `);
  },
};
