import type { Migration } from './types';

/**
 * A colorway's 3D model: a .glb under models/ named by the sha-256 of its bytes (kept out
 * of assets/, whose rows are images), and which KHR_materials_variants variant dresses it
 * (null: the model's default materials). Several colorways share one file when its variants
 * are the colorways. Gone with the colorway.
 */
export const migration011: Migration = {
  version: 11,
  name: 'garment models',
  up(db) {
    db.exec(`
      CREATE TABLE garment_models (
        colorway_id INTEGER PRIMARY KEY REFERENCES colorways (id) ON DELETE CASCADE,
        hash        TEXT NOT NULL CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
        bytes       INTEGER NOT NULL CHECK (bytes > 0),
        variant     TEXT CHECK (variant <> ''),
        triangles   INTEGER NOT NULL CHECK (triangles >= 0),
        source_path TEXT,
        updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE INDEX garment_models_by_hash ON garment_models (hash);
    `);
  },
};
