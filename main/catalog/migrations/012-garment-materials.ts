import type { Migration } from './types';

/**
 * A colorway's U3M material: one self-contained .u3ma (packU3ma: the .u3m and exactly the
 * images it names) under materials/ named by the sha-256 of its bytes, and the material's
 * name. Renders of the colorway's model wear its front side. Gone with the colorway.
 */
export const migration012: Migration = {
  version: 12,
  name: 'garment materials',
  up(db) {
    db.exec(`
      CREATE TABLE garment_materials (
        colorway_id INTEGER PRIMARY KEY REFERENCES colorways (id) ON DELETE CASCADE,
        hash        TEXT NOT NULL CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
        bytes       INTEGER NOT NULL CHECK (bytes > 0),
        name        TEXT NOT NULL CHECK (name <> ''),
        source_path TEXT,
        updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE INDEX garment_materials_by_hash ON garment_materials (hash);
    `);
  },
};
