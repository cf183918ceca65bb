import type { Migration } from './types';

/**
 * Outfits: a combo's own renders (an avatar wearing the whole combo, one per view and kind;
 * attaching another image for the same view and kind replaces it) and the layout an artist
 * edited for dressing it (each garment's box as fractions of the canvas). Both go with the
 * combo; a box also goes with its garment. Dressed outfits are generations of the combo.
 */
export const migration009: Migration = {
  version: 9,
  name: 'combo renders and outfit layouts',
  up(db) {
    db.exec(`
      CREATE TABLE combo_renders (
        id          INTEGER PRIMARY KEY,
        combo_id    INTEGER NOT NULL REFERENCES combos (id) ON DELETE CASCADE,
        view_id     INTEGER NOT NULL REFERENCES views (id),
        kind        TEXT NOT NULL CHECK (kind IN ('raster', 'raytrace', 'photo')),
        width       INTEGER NOT NULL CHECK (width > 0),
        height      INTEGER NOT NULL CHECK (height > 0),
        asset_id    INTEGER NOT NULL REFERENCES assets (id),
        source_path TEXT,
        created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        UNIQUE (combo_id, view_id, kind)
      );
      CREATE INDEX combo_renders_by_asset ON combo_renders (asset_id);

      CREATE TABLE combo_layout_boxes (
        combo_id   INTEGER NOT NULL REFERENCES combos (id) ON DELETE CASCADE,
        garment_id INTEGER NOT NULL REFERENCES garments (id) ON DELETE CASCADE,
        x REAL NOT NULL CHECK (x >= 0 AND x <= 1),
        y REAL NOT NULL CHECK (y >= 0 AND y <= 1),
        w REAL NOT NULL CHECK (w > 0 AND x + w <= 1.000001),
        h REAL NOT NULL CHECK (h > 0 AND y + h <= 1.000001),
        PRIMARY KEY (combo_id, garment_id)
      ) WITHOUT ROWID;
      CREATE INDEX combo_layout_boxes_by_garment ON combo_layout_boxes (garment_id);
    `);
  },
};
