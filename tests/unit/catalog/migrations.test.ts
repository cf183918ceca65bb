import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, SCHEMA_VERSION, schemaVersion } from '../../../main/catalog/migrations/index';
import { openCatalogDb } from '../../../main/catalog/database';
import { UserError } from '../../../main/common/errors';
import { tempDir } from './helpers';

function freshDb() {
  const file = join(tempDir(), 'library.r2r.sqlite');
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  return { db, file };
}

const tables = (db: Database.Database) =>
  db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'garment_search_%' ORDER BY name").pluck().all();

describe('migration registry', () => {
  it('numbers migrations 1..n without gaps and records the last in user_version', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    const { db, file } = freshDb();
    expect(migrate(db, file)).toEqual({ from: 0, to: SCHEMA_VERSION });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(migrate(db, file)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
  });

  it('refuses a database written by a newer version, without touching it', () => {
    const { db, file } = freshDb();
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    let caught: unknown;
    try {
      openCatalogDb(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).code).toBe('library-too-new');
    expect((caught as UserError).message).toContain(file);
    expect((caught as UserError).message).toContain(`newer than this R2R Studio understands (${SCHEMA_VERSION})`);
    const again = new Database(file);
    expect(schemaVersion(again)).toBe(SCHEMA_VERSION + 1);
    expect(tables(again)).toEqual([]);
  });

  it('applies each migration in one transaction: a failing step leaves nothing behind', () => {
    const { db, file } = freshDb();
    // a stray table makes migration 1 fail half-way (after it created others)
    db.exec('CREATE TABLE garments (x)');
    expect(() => migrate(db, file)).toThrow(/garments already exists/);
    expect(schemaVersion(db)).toBe(0);
    expect(tables(db)).toEqual(['garments']);
  });
});

describe('migration 1: catalog', () => {
  it('creates the catalog tables and seeds the 20 SynFashion categories and 5 views', () => {
    const { db, file } = freshDb();
    migrate(db, file, 1);
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(['assets', 'categories', 'colorways', 'garment_tags', 'garments', 'renders', 'views']);
    const names = db.prepare('SELECT name FROM categories WHERE builtin = 1 ORDER BY sort_order').pluck().all();
    expect(names).toEqual([
      'pants', 'T-shirt', 'lingerie & swimwear', 'half skirt', 'hoodie', 'coat', 'jacket', 'set', 'home-wear', 'hat',
      'Hanfu', 'jeans', 'shorts', 'down jacket', 'vest & camisole', 'shirt', 'suit', 'dress', 'sweater', 'trench coat',
    ]);
    expect(db.prepare('SELECT slug FROM views ORDER BY sort_order').pluck().all()).toEqual(['front', 'back', 'left', 'right', 'three-quarter']);
    // constraints: kind, unique sku (case-insensitive), foreign keys
    db.prepare("INSERT INTO garments (sku, name, category_id) VALUES ('TS-1', 'tee', 2)").run();
    expect(() => db.prepare("INSERT INTO garments (sku, name, category_id) VALUES ('ts-1', 'dup', 2)").run()).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO garments (sku, name, category_id) VALUES ('X', 'x', 999)").run()).toThrow(/FOREIGN KEY/);
    db.prepare("INSERT INTO assets (hash, ext, bytes) VALUES (?, 'png', 3)").run('a'.repeat(64));
    db.prepare("INSERT INTO colorways (garment_id, name) VALUES (1, 'red')").run();
    expect(() => db.prepare("INSERT INTO renders (colorway_id, view_id, kind, width, height, asset_id) VALUES (1, 1, 'sketch', 1, 1, 1)").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO assets (hash, ext, bytes) VALUES ('XYZ', 'png', 3)").run()).toThrow(/CHECK/);
  });
});

describe('migration 2: masks, combos and generations', () => {
  it('adds the tables with their rules', () => {
    const { db, file } = freshDb();
    migrate(db, file, 2);
    expect(schemaVersion(db)).toBe(2);
    expect(tables(db)).toEqual(expect.arrayContaining(['masks', 'combos', 'combo_items', 'generations']));
    db.exec(`
      INSERT INTO garments (sku, name, category_id) VALUES ('D-1', 'dress', 18);
      INSERT INTO colorways (garment_id, name) VALUES (1, 'red');
      INSERT INTO assets (hash, ext, bytes) VALUES ('${'b'.repeat(64)}', 'png', 1);
      INSERT INTO renders (colorway_id, view_id, kind, width, height, asset_id) VALUES (1, 1, 'raster', 4, 4, 1);
      INSERT INTO combos (name) VALUES ('look');`);
    expect(() => db.prepare("INSERT INTO masks (render_id, purpose, asset_id) VALUES (1, 'paint', 1)").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO combo_items (combo_id, garment_id, role, layer) VALUES (1, 1, 'hat', 0)").run()).toThrow(/CHECK/);
    // exactly one source
    expect(() => db.prepare("INSERT INTO generations (render_id, combo_id, model, seed) VALUES (1, 1, 'm', 1)").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO generations (model, seed) VALUES ('m', 1)").run()).toThrow(/CHECK/);
    // done needs an output, params must be JSON
    expect(() => db.prepare("INSERT INTO generations (render_id, model, seed, status) VALUES (1, 'm', 1, 'done')").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO generations (render_id, model, seed, params) VALUES (1, 'm', 1, '{bad')").run()).toThrow(/CHECK/);
    db.prepare("INSERT INTO generations (render_id, model, seed) VALUES (1, 'm', 1)").run();
    // deleting the garment cascades down to its generations
    db.prepare('DELETE FROM garments').run();
    expect(db.prepare('SELECT count(*) FROM generations').pluck().get()).toBe(0);
  });
});

describe('migration 3: garment full-text search', () => {
  it('indexes garments that existed before it and keeps text and facets current through triggers', () => {
    const { db, file } = freshDb();
    migrate(db, file, 2);
    db.exec(`
      INSERT INTO garments (sku, name, category_id) VALUES ('JK-77', 'Harrington Jacket', 7);
      INSERT INTO garment_tags (garment_id, tag) VALUES (1, 'tartan-lined');
      INSERT INTO colorways (garment_id, name) VALUES (1, 'red');
      INSERT INTO assets (hash, ext, bytes) VALUES ('${'c'.repeat(64)}', 'png', 1), ('${'d'.repeat(64)}', 'png', 1);
      INSERT INTO renders (colorway_id, view_id, kind, width, height, asset_id) VALUES (1, 1, 'raster', 4, 4, 1);`);
    migrate(db, file, 3);
    expect(schemaVersion(db)).toBe(3);
    const find = (q: string) => db.prepare('SELECT rowid FROM garment_search WHERE garment_search MATCH ?').pluck().all(q);
    const text = (q: string) => find(`{sku name tags category} : (${q})`);
    expect(text('harrington')).toEqual([1]);
    expect(text('tartan')).toEqual([1]);
    expect(text('jacket')).toEqual([1]);
    expect(text('"jk"')).toEqual([1]);
    expect(find('facets : "c7" AND facets : "kraster"')).toEqual([1]);
    expect(find('facets : "kraytrace"')).toEqual([]);
    // a first render of a kind adds the facet, removing the last one takes it away
    db.exec(`INSERT INTO renders (colorway_id, view_id, kind, width, height, asset_id) VALUES (1, 2, 'raytrace', 4, 4, 2)`);
    expect(find('facets : "kraytrace"')).toEqual([1]);
    db.exec(`DELETE FROM renders WHERE kind = 'raster'`);
    expect(find('facets : "kraster"')).toEqual([]);
    db.exec(`UPDATE garments SET name = 'Bomber', category_id = 6 WHERE id = 1`);
    expect(text('harrington')).toEqual([]);
    expect(text('coat')).toEqual([1]);
    expect(find('facets : "c6" AND facets : "kraytrace"')).toEqual([1]);
    db.exec(`DELETE FROM garment_tags`);
    expect(text('tartan')).toEqual([]);
    db.exec(`UPDATE categories SET name = 'overcoat' WHERE id = 6`);
    expect(text('overcoat')).toEqual([1]);
    db.exec(`DELETE FROM garments`);
    expect(text('bomber')).toEqual([]);
    expect(find('facets : "c6"')).toEqual([]);
    db.prepare("INSERT INTO garment_search (garment_search) VALUES ('integrity-check')").run();
  });
});

describe('migration 5: shot owners', () => {
  it('adds the owner and lease of running generations; rows from before keep no owner', () => {
    const { db, file } = freshDb();
    migrate(db, file, 4);
    db.exec(`
      INSERT INTO garments (sku, name, category_id) VALUES ('D-1', 'dress', 18);
      INSERT INTO colorways (garment_id, name) VALUES (1, 'red');
      INSERT INTO assets (hash, ext, bytes) VALUES ('${'c'.repeat(64)}', 'png', 1);
      INSERT INTO renders (colorway_id, view_id, kind, width, height, asset_id) VALUES (1, 1, 'raster', 4, 4, 1);
      INSERT INTO generations (render_id, model, seed, status) VALUES (1, 'm', 1, 'running');`);
    migrate(db, file, 5);
    expect(schemaVersion(db)).toBe(5);
    expect(db.prepare('SELECT owner_host, owner_pid, lease_until FROM generations').get()).toEqual({ owner_host: null, owner_pid: null, lease_until: null });
    db.prepare("INSERT INTO generations (render_id, model, seed, status, owner_host, owner_pid, lease_until) VALUES (1, 'm', 2, 'running', 'studio-pc', 4242, '2026-01-01T00:01:00.000Z')").run();
    expect(db.prepare('SELECT owner_host, owner_pid FROM generations WHERE seed = 2').get()).toEqual({ owner_host: 'studio-pc', owner_pid: 4242 });
    expect(() => db.prepare("INSERT INTO generations (render_id, model, seed, owner_pid) VALUES (1, 'm', 3, 0)").run()).toThrow(/CHECK/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'generations_running'").pluck().get()).toBe('generations_running');
  });
});
