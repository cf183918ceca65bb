import type { Migration } from './types';
import { STANDARD_VIEWS, SYNFASHION_CATEGORIES } from '../vocabulary';

const NOW = `(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

/** categories, views, assets, garments with tags, colorways and their renders */
export const migration001: Migration = {
  version: 1,
  name: 'catalog',
  up(db) {
    db.exec(`
      CREATE TABLE categories (
        id         INTEGER PRIMARY KEY,
        slug       TEXT NOT NULL UNIQUE CHECK (slug <> ''),
        name       TEXT NOT NULL CHECK (name <> ''),
        builtin    INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
        sort_order INTEGER NOT NULL DEFAULT 1000
      );

      CREATE TABLE views (
        id         INTEGER PRIMARY KEY,
        slug       TEXT NOT NULL UNIQUE CHECK (slug <> ''),
        name       TEXT NOT NULL CHECK (name <> ''),
        builtin    INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
        sort_order INTEGER NOT NULL DEFAULT 1000
      );

      -- image files under assets/, named by the sha-256 of their bytes
      CREATE TABLE assets (
        id         INTEGER PRIMARY KEY,
        hash       TEXT NOT NULL UNIQUE CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
        ext        TEXT NOT NULL CHECK (ext IN ('png', 'jpg', 'webp', 'tif', 'avif')),
        bytes      INTEGER NOT NULL CHECK (bytes >= 0),
        width      INTEGER,
        height     INTEGER,
        created_at TEXT NOT NULL DEFAULT ${NOW}
      );

      CREATE TABLE garments (
        id          INTEGER PRIMARY KEY,
        sku         TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (sku <> ''),
        name        TEXT NOT NULL,
        category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
        notes       TEXT NOT NULL DEFAULT '',
        created_at  TEXT NOT NULL DEFAULT ${NOW},
        updated_at  TEXT NOT NULL DEFAULT ${NOW}
      );
      CREATE INDEX garments_by_category ON garments (category_id, sku);

      CREATE TABLE garment_tags (
        garment_id INTEGER NOT NULL REFERENCES garments (id) ON DELETE CASCADE,
        tag        TEXT NOT NULL COLLATE NOCASE CHECK (tag <> ''),
        PRIMARY KEY (garment_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX garment_tags_by_tag ON garment_tags (tag);

      -- a colorway is one texture/colour variant of a garment; its swatch is optional
      CREATE TABLE colorways (
        id               INTEGER PRIMARY KEY,
        garment_id       INTEGER NOT NULL REFERENCES garments (id) ON DELETE CASCADE,
        name             TEXT NOT NULL CHECK (name <> ''),
        texture_asset_id INTEGER REFERENCES assets (id),
        UNIQUE (garment_id, name)
      );

      CREATE TABLE renders (
        id          INTEGER PRIMARY KEY,
        colorway_id INTEGER NOT NULL REFERENCES colorways (id) ON DELETE CASCADE,
        view_id     INTEGER NOT NULL REFERENCES views (id),
        kind        TEXT NOT NULL CHECK (kind IN ('raster', 'raytrace', 'photo')),
        renderer    TEXT NOT NULL DEFAULT '',
        width       INTEGER NOT NULL CHECK (width > 0),
        height      INTEGER NOT NULL CHECK (height > 0),
        asset_id    INTEGER NOT NULL REFERENCES assets (id),
        source_path TEXT,
        created_at  TEXT NOT NULL DEFAULT ${NOW},
        -- the same image for the same view and kind is one render: re-imports add nothing
        UNIQUE (colorway_id, view_id, kind, asset_id)
      );
      CREATE INDEX renders_by_asset ON renders (asset_id);
    `);
    const category = db.prepare('INSERT INTO categories (slug, name, builtin, sort_order) VALUES (?, ?, 1, ?)');
    SYNFASHION_CATEGORIES.forEach((c, i) => category.run(c.slug, c.name, i));
    const view = db.prepare('INSERT INTO views (slug, name, builtin, sort_order) VALUES (?, ?, 1, ?)');
    STANDARD_VIEWS.forEach((v, i) => view.run(v.slug, v.name, i));
  },
};
