import type { Migration } from './types';

const NOW = `(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

/** what artists make from renders: masks, combos (outfits) and generations */
export const migration002: Migration = {
  version: 2,
  name: 'masks, combos and generations',
  up(db) {
    db.exec(`
      CREATE TABLE masks (
        id         INTEGER PRIMARY KEY,
        render_id  INTEGER NOT NULL REFERENCES renders (id) ON DELETE CASCADE,
        purpose    TEXT NOT NULL CHECK (purpose IN ('edit', 'texture-lock', 'garment')),
        asset_id   INTEGER NOT NULL REFERENCES assets (id),
        created_at TEXT NOT NULL DEFAULT ${NOW},
        updated_at TEXT NOT NULL DEFAULT ${NOW},
        UNIQUE (render_id, purpose)
      );
      CREATE INDEX masks_by_asset ON masks (asset_id);

      CREATE TABLE combos (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL CHECK (name <> ''),
        notes      TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL DEFAULT ${NOW},
        updated_at TEXT NOT NULL DEFAULT ${NOW}
      );

      CREATE TABLE combo_items (
        combo_id    INTEGER NOT NULL REFERENCES combos (id) ON DELETE CASCADE,
        garment_id  INTEGER NOT NULL REFERENCES garments (id) ON DELETE CASCADE,
        colorway_id INTEGER REFERENCES colorways (id) ON DELETE SET NULL,
        role        TEXT NOT NULL CHECK (role IN ('top', 'bottom', 'outer', 'dress', 'shoes', 'accessory')),
        layer       INTEGER NOT NULL,
        PRIMARY KEY (combo_id, garment_id)
      ) WITHOUT ROWID;
      CREATE INDEX combo_items_by_garment ON combo_items (garment_id);

      -- a generation starts from exactly one render or one combo
      CREATE TABLE generations (
        id              INTEGER PRIMARY KEY,
        render_id       INTEGER REFERENCES renders (id) ON DELETE CASCADE,
        combo_id        INTEGER REFERENCES combos (id) ON DELETE CASCADE,
        model           TEXT NOT NULL,
        params          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
        seed            INTEGER NOT NULL,
        status          TEXT NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        error           TEXT,
        output_asset_id INTEGER REFERENCES assets (id),
        metrics         TEXT CHECK (metrics IS NULL OR json_valid(metrics)),
        created_at      TEXT NOT NULL DEFAULT ${NOW},
        started_at      TEXT,
        finished_at     TEXT,
        updated_at      TEXT NOT NULL DEFAULT ${NOW},
        CHECK ((render_id IS NULL) <> (combo_id IS NULL)),
        CHECK (status <> 'done' OR output_asset_id IS NOT NULL)
      );
      CREATE INDEX generations_by_render ON generations (render_id, status) WHERE render_id IS NOT NULL;
      CREATE INDEX generations_by_combo ON generations (combo_id, status) WHERE combo_id IS NOT NULL;
      CREATE INDEX generations_by_status ON generations (status);
      CREATE INDEX generations_by_output ON generations (output_asset_id) WHERE output_asset_id IS NOT NULL;
    `);
  },
};
