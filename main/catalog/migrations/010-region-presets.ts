import type { Migration } from './types';

const NOW = `(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

/** the presets R2R Studio ships; the studio's one-click choices */
export const BUILT_IN_REGION_PRESETS = [
  {
    name: 'garment + face realism',
    roles: {
      garment: { strength: 0.3, tacRatio: 0.9 },
      skin: { strength: 0.5, tacRatio: 0, prompt: 'photo of a person, natural skin' },
      face: { strength: 0.5, tacRatio: 0, prompt: 'photo of a person, natural skin' },
      background: { strength: 0 },
    },
  },
  {
    name: 'new background',
    roles: {
      garment: { strength: 0 },
      skin: { strength: 0 },
      face: { strength: 0 },
      background: { strength: 0.8, tacRatio: 0, prompt: 'photo studio, plain backdrop, soft light' },
    },
  },
];

/**
 * Region presets (a role -> settings map as JSON, the built-ins seeded and marked) and each
 * render's label mask: one PNG whose colours name the render's roles (garment, skin, face,
 * background), the source of the masks a preset's roles use.
 */
export const migration010: Migration = {
  version: 10,
  name: 'region presets and label masks',
  up(db) {
    db.exec(`
      CREATE TABLE region_presets (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE CHECK (name <> ''),
        built_in   INTEGER NOT NULL DEFAULT 0 CHECK (built_in IN (0, 1)),
        roles      TEXT NOT NULL CHECK (json_valid(roles)),
        created_at TEXT NOT NULL DEFAULT ${NOW},
        updated_at TEXT NOT NULL DEFAULT ${NOW}
      );

      CREATE TABLE render_labels (
        render_id  INTEGER PRIMARY KEY REFERENCES renders (id) ON DELETE CASCADE,
        asset_id   INTEGER NOT NULL REFERENCES assets (id),
        updated_at TEXT NOT NULL DEFAULT ${NOW}
      );
      CREATE INDEX render_labels_by_asset ON render_labels (asset_id);
    `);
    const insert = db.prepare('INSERT INTO region_presets (name, built_in, roles) VALUES (?, 1, ?)');
    for (const p of BUILT_IN_REGION_PRESETS) insert.run(p.name, JSON.stringify(p.roles));
  },
};
