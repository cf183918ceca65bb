import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../../main/catalog/garbage';
import { importTree } from '../../../main/catalog/import/importer';
import { createLibrary } from '../../../main/catalog/library';
import type { Library } from '../../../main/catalog/library';
import { sha256 } from '../../../main/catalog/assets';
import { attachComboRender, deleteComboRender, getOutfitBoxes, listComboRenders, outfitGarments, saveOutfitBoxes } from '../../../main/catalog/queries/combo-renders';
import { createCombo, deleteCombo, updateCombo } from '../../../main/catalog/queries/combos';
import { deleteGarment } from '../../../main/catalog/queries/garments';
import { migrate } from '../../../main/catalog/migrations/index';
import Database from 'better-sqlite3';
import { png, tempDir, writeFile } from './helpers';

async function sourceTree(): Promise<string> {
  const src = tempDir('r2r-outfit-src-');
  writeFile(src, 'tops/TS-001/white/front_raster.png', await png(40, 48, 1));
  writeFile(src, 'tops/TS-001/white/front_raytrace.png', await png(40, 48, 2));
  writeFile(src, 'bottoms/JN-001/blue/back_raster.png', await png(40, 48, 3));
  writeFile(src, 'combos/Summer Look/front_raster.png', await png(60, 80, 4));
  writeFile(src, 'combos/Summer Look/back_rt.png', await png(60, 80, 5));
  writeFile(src, 'combos/Summer Look/poster.png', await png(8, 8, 6));
  writeFile(src, 'combos/Summer Look/left_photo.png', 'not an image');
  return src;
}

async function importedLibrary(): Promise<{ lib: Library; src: string }> {
  const lib = createLibrary(tempDir());
  const src = await sourceTree();
  await importTree(lib, src);
  return { lib, src };
}

function garmentId(lib: Library, sku: string): number {
  return lib.sql<[string], { id: number }>('SELECT id FROM garments WHERE sku = ?').get(sku)!.id;
}

describe('migration 9: combo renders and outfit layouts', () => {
  it('creates both tables on a library at version 8, and keeps one render per combo, view and kind', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, ':memory:', 8);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('combo_renders', 'combo_layout_boxes')").all()).toEqual([]);
    migrate(db, ':memory:', 9);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('combo_renders', 'combo_layout_boxes') ORDER BY name").all();
    expect(tables).toEqual([{ name: 'combo_layout_boxes' }, { name: 'combo_renders' }]);
    db.prepare("INSERT INTO combos (name) VALUES ('c')").run();
    db.prepare("INSERT INTO assets (hash, ext, bytes) VALUES (?, 'png', 1)").run(sha256(Buffer.from('a')));
    const add = db.prepare("INSERT INTO combo_renders (combo_id, view_id, kind, width, height, asset_id) VALUES (1, 1, 'raster', 4, 4, 1)");
    add.run();
    expect(() => add.run()).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO combo_renders (combo_id, view_id, kind, width, height, asset_id) VALUES (1, 1, 'sketch', 4, 4, 1)").run()).toThrow(/CHECK/);
  });
});

describe('outfit renders from the import tree', () => {
  it('attaches combos/<name>/<view>_<kind> images to the combo of that name, creating it, and reports what it could not read', async () => {
    const lib = createLibrary(tempDir());
    const src = await sourceTree();
    const report = await importTree(lib, src);
    expect(report.garments.found).toBe(2);
    expect(report.unmatched).toEqual([]);
    expect(report.comboRenders).toEqual({ found: 2, attached: 2, unchanged: 0, combosCreated: ['Summer Look'] });
    expect(report.problems.map((p) => p.file).sort()).toEqual(['combos/Summer Look/left_photo.png', 'combos/Summer Look/poster.png']);
    const combo = lib.sql<[], { id: number; name: string }>('SELECT id, name FROM combos').all();
    expect(combo).toHaveLength(1);
    const renders = listComboRenders(lib, combo[0]!.id);
    expect(renders.map((r) => [r.view, r.kind, r.width, r.height, r.sourcePath])).toEqual([
      ['front', 'raster', 60, 80, 'combos/Summer Look/front_raster.png'],
      ['back', 'raytrace', 60, 80, 'combos/Summer Look/back_rt.png'],
    ]);
    const again = await importTree(lib, src);
    expect(again.comboRenders).toEqual({ found: 2, attached: 0, unchanged: 2, combosCreated: [] });
    expect(listComboRenders(lib, combo[0]!.id)).toEqual(renders);
  });

  it('finds an existing combo by name whatever its case, and a new image for the same view and kind replaces the old', async () => {
    const lib = createLibrary(tempDir());
    const made = createCombo(lib, { name: 'summer look', items: [] });
    await importTree(lib, await sourceTree());
    expect(lib.sql('SELECT count(*) AS n FROM combos').get()).toEqual({ n: 1 });
    const before = listComboRenders(lib, made.id).find((r) => r.view === 'front')!;
    const replaced = await attachComboRender(lib, made.id, { view: 'Front', kind: 'raster', image: await png(30, 20, 9) });
    expect(replaced.changed).toBe(true);
    expect(replaced.render.id).toBe(before.id);
    expect([replaced.render.width, replaced.render.height]).toEqual([30, 20]);
    expect(replaced.render.asset).not.toBe(before.asset);
    expect(listComboRenders(lib, made.id)).toHaveLength(2);
    await expect(attachComboRender(lib, 999, { view: 'front', kind: 'raster', image: await png(4, 4) })).rejects.toThrow(/no combo #999/);
    await expect(attachComboRender(lib, made.id, { view: 'front', kind: 'raster', image: Buffer.from('nope') })).rejects.toMatchObject({ code: 'bad-image' });
  });

  it('keeps outfit render images through garbage collection until the render is removed', async () => {
    const { lib } = await importedLibrary();
    const combo = lib.sql<[], { id: number }>('SELECT id FROM combos').get()!;
    const renders = listComboRenders(lib, combo.id);
    collectGarbage(lib, { minAgeMs: -1000 });
    const kept = lib.sql<[string], { n: number }>('SELECT count(*) AS n FROM assets WHERE hash = ?');
    expect(renders.map((r) => kept.get(r.asset)!.n)).toEqual([1, 1]);
    expect(deleteComboRender(lib, renders[0]!.id)).toBe(true);
    collectGarbage(lib, { minAgeMs: -1000 });
    expect(renders.map((r) => kept.get(r.asset)!.n)).toEqual([0, 1]);
  });
});

describe('outfit layouts and garments', () => {
  it('saves edited boxes per garment, refuses boxes outside the canvas or for garments not in the combo, and drops them with the garment', async () => {
    const { lib } = await importedLibrary();
    const ts = garmentId(lib, 'TS-001');
    const jn = garmentId(lib, 'JN-001');
    const combo = createCombo(lib, { name: 'look', items: [{ garment: 'TS-001', role: 'top' }, { garment: 'JN-001', role: 'bottom' }] });
    saveOutfitBoxes(lib, combo.id, [{ garmentId: ts, box: { x: 0.25, y: 0.2, w: 0.5, h: 0.3 } }]);
    expect([...getOutfitBoxes(lib, combo.id)]).toEqual([[ts, { x: 0.25, y: 0.2, w: 0.5, h: 0.3 }]]);
    expect(() => saveOutfitBoxes(lib, combo.id, [{ garmentId: jn, box: { x: 0.6, y: 0.5, w: 0.5, h: 0.2 } }])).toThrow(/not inside the canvas/);
    expect(() => saveOutfitBoxes(lib, combo.id, [{ garmentId: jn, box: { x: 0.1, y: 0.5, w: 0, h: 0.2 } }])).toThrow(/not inside the canvas/);
    expect(() => saveOutfitBoxes(lib, combo.id, [{ garmentId: jn, box: { x: Number.NaN, y: 0, w: 0.1, h: 0.1 } }])).toThrow(/not inside the canvas/);
    // a refused save changes nothing
    expect(getOutfitBoxes(lib, combo.id).size).toBe(1);
    const other = createCombo(lib, { name: 'other', items: [{ garment: 'JN-001', role: 'bottom' }] });
    expect(() => saveOutfitBoxes(lib, other.id, [{ garmentId: ts, box: { x: 0, y: 0, w: 1, h: 1 } }])).toThrow(/not in combo/);
    // renaming the combo (its items rewritten) keeps the layout
    updateCombo(lib, combo.id, { name: 'look 2', items: [{ garment: 'TS-001', role: 'top' }, { garment: 'JN-001', role: 'bottom' }] });
    expect(getOutfitBoxes(lib, combo.id).get(ts)).toEqual({ x: 0.25, y: 0.2, w: 0.5, h: 0.3 });
    deleteGarment(lib, ts);
    expect(getOutfitBoxes(lib, combo.id).size).toBe(0);
    deleteCombo(lib, combo.id);
    expect(lib.sql('SELECT count(*) AS n FROM combo_layout_boxes').get()).toEqual({ n: 0 });
  });

  it("picks each garment's image: the asked view, else front, else any; ray-traced before raster", async () => {
    const { lib } = await importedLibrary();
    const combo = createCombo(lib, { name: 'look', items: [{ garment: 'JN-001', role: 'bottom', layer: 1 }, { garment: 'TS-001', role: 'top', layer: 0 }] });
    const sourceOf = (renderId: number) => lib.sql<[number], { source_path: string }>('SELECT source_path FROM renders WHERE id = ?').get(renderId)!.source_path;
    const front = outfitGarments(lib, combo.id);
    expect(front.skipped).toEqual([]);
    expect(front.garments.map((g) => [g.sku, g.role, sourceOf(g.renderId)])).toEqual([
      ['TS-001', 'top', 'tops/TS-001/white/front_raytrace.png'],
      ['JN-001', 'bottom', 'bottoms/JN-001/blue/back_raster.png'],
    ]);
    expect(front.garments[0]!.image.startsWith(lib.root)).toBe(true);
    const back = outfitGarments(lib, combo.id, 'back');
    expect(back.garments.map((g) => sourceOf(g.renderId))).toEqual(['tops/TS-001/white/front_raytrace.png', 'bottoms/JN-001/blue/back_raster.png']);
  });
});
