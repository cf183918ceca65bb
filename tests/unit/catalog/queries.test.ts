import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../main/catalog/assets';
import { MetadataWriter } from '../../../main/catalog/import/metadata';
import type { GarmentRecord } from '../../../main/catalog/import/metadata';
import { createLibrary } from '../../../main/catalog/library';
import type { Library } from '../../../main/catalog/library';
import { storeImage } from '../../../main/catalog/queries/assets';
import { createCombo, deleteCombo, getCombo, listCombos, updateCombo } from '../../../main/catalog/queries/combos';
import { deleteGarment, ftsQuery, getGarment, listTags, searchGarments, updateGarment } from '../../../main/catalog/queries/garments';
import { setColorwayTexture } from '../../../main/catalog/queries/colorways';
import { insertGeneration, listGenerations, storeGenerationOutput, updateGeneration } from '../../../main/catalog/queries/generations';
import { deleteMask, listMasks, setMask } from '../../../main/catalog/queries/masks';
import { thumbnail, thumbnailSide, trimThumbnails } from '../../../main/catalog/thumbnails';
import { utimesSync } from 'node:fs';
import type { RenderKind } from '../../../main/catalog/vocabulary';
import { png, tempDir } from './helpers';

function fakeAsset(n: number) {
  return { hash: sha256(Buffer.from(`asset ${n}`)), ext: 'png', bytes: 100 + n };
}

function record(sku: string, name: string, category: string, tags: string[], kinds: RenderKind[], n: number): GarmentRecord {
  return {
    sku, name, category, tags, notes: '',
    colorways: [{ name: 'main', renders: kinds.map((kind, i) => ({ view: i % 2 ? 'back' : 'front', kind, renderer: 'style3d', width: 64, height: 80, asset: fakeAsset(n * 10 + i), sourcePath: null })) }],
  };
}

function catalog(): Library {
  const lib = createLibrary(join(tempDir(), 'lib'));
  new MetadataWriter(lib).writeMany([
    record('JK-001', 'Denim Trucker Jacket', 'jacket', ['denim', 'indigo'], ['raster', 'raytrace'], 1),
    record('JK-002', 'Quilted Bomber Jacket', 'jacket', ['nylon'], ['raster'], 2),
    record('JK-003', 'Waxed Field Jacket', 'jacket', ['cotton', 'denim-lined'], ['raytrace'], 3),
    record('JN-001', 'Selvedge Denim Jeans', 'jeans', ['denim'], ['raster', 'raytrace'], 4),
    record('TS-001', 'Crew Neck T-shirt', 'T-shirt', ['cotton'], ['raster'], 5),
    record('TS-002', 'Café Graphic Tee', 't-shirt', ['print'], ['raytrace'], 6),
  ]);
  return lib;
}

const skus = (p: { garments: Array<{ sku: string }> }) => p.garments.map((g) => g.sku);

describe('garment queries', () => {
  it('filters by category, text (prefix words over sku, name, tags, category) and render kind', () => {
    const lib = catalog();
    expect(searchGarments(lib).total).toBe(6);
    expect(skus(searchGarments(lib, { category: 'jacket' }))).toEqual(['JK-001', 'JK-002', 'JK-003']);
    expect(skus(searchGarments(lib, { category: 'T_Shirt' }))).toEqual(['TS-001', 'TS-002']);
    expect(skus(searchGarments(lib, { text: 'denim' }))).toEqual(['JK-001', 'JK-003', 'JN-001']);
    expect(skus(searchGarments(lib, { category: 'jacket', text: 'denim' }))).toEqual(['JK-001', 'JK-003']);
    expect(skus(searchGarments(lib, { text: 'jack qui' }))).toEqual(['JK-002']);
    expect(skus(searchGarments(lib, { text: 'cafe' }))).toEqual(['TS-002']);
    expect(skus(searchGarments(lib, { text: 'JN-001' }))).toEqual(['JN-001']);
    expect(skus(searchGarments(lib, { text: 'jeans' }))).toEqual(['JN-001']);
    expect(skus(searchGarments(lib, { text: 'denim" OR "x' }))).toEqual([]);
    expect(skus(searchGarments(lib, { tag: 'COTTON' }))).toEqual(['JK-003', 'TS-001']);
    const raytraced = searchGarments(lib, { category: 'jacket', kind: 'raytrace' });
    expect(skus(raytraced)).toEqual(['JK-001', 'JK-003']);
    expect(raytraced.garments[0]!.renders.map((r) => r.kind)).toEqual(['raytrace']);
    expect(() => searchGarments(lib, { category: 'capes' })).toThrow(/no category 'capes'.*/);
    lib.close();
  });

  it('pages with a total of all matches', () => {
    const lib = catalog();
    const page = searchGarments(lib, { limit: 2, offset: 2 });
    expect(page.total).toBe(6);
    expect(skus(page)).toEqual(['JK-003', 'JN-001']);
    expect(searchGarments(lib, { limit: 2, offset: 10 })).toEqual({ total: 6, garments: [] });
    expect(skus(searchGarments(lib, { orderBy: 'name', limit: 2 }))).toEqual(['TS-002', 'TS-001']);
    lib.close();
  });

  it('turns free text into quoted FTS prefix terms', () => {
    expect(ftsQuery('Denim  jack')).toBe('"Denim"* "jack"*');
    expect(ftsQuery('a"b OR c*')).toBe('"a"* "b"* "OR"* "c"*');
    expect(ftsQuery(' - ')).toBeUndefined();
  });

  it('updates and deletes garments, keeping search current', async () => {
    const lib = catalog();
    expect(listTags(lib).slice(0, 2)).toEqual([{ tag: 'cotton', garments: 2 }, { tag: 'denim', garments: 2 }]);
    const colorway = getGarment(lib, 'TS-001').colorways[0]!;
    const swatch = await setColorwayTexture(lib, colorway.id, await png(16, 16, 3));
    expect(swatch.texture).toMatch(/^[0-9a-f]{64}$/);
    expect(getGarment(lib, 'TS-001').colorways[0]!.texture).toBe(swatch.texture);
    expect((await setColorwayTexture(lib, colorway.id, null)).texture).toBeNull();
    const g = updateGarment(lib, 'TS-001', { name: 'Heavyweight Tee', tags: ['organic'], category: 'sweater', notes: 'rework' });
    expect(g).toMatchObject({ name: 'Heavyweight Tee', tags: ['organic'], category: 'sweater', notes: 'rework' });
    expect(skus(searchGarments(lib, { text: 'organic heavy' }))).toEqual(['TS-001']);
    expect(skus(searchGarments(lib, { text: 'crew' }))).toEqual([]);
    deleteGarment(lib, 'TS-001');
    expect(searchGarments(lib).total).toBe(5);
    expect(() => getGarment(lib, 'TS-001')).toThrow(/no garment 'TS-001'/);
    lib.close();
  });
});

describe('masks, combos, generations', () => {
  it('sets one mask per purpose, replacing it, and checks format and size', async () => {
    const lib = catalog();
    const render = getGarment(lib, 'JK-001').renders[0]!;
    const m1 = await setMask(lib, render.id, 'edit', await png(64, 80, 200));
    expect(m1).toMatchObject({ renderId: render.id, purpose: 'edit' });
    expect(existsSync(join(lib.root, m1.path))).toBe(true);
    const m2 = await setMask(lib, render.id, 'edit', await png(64, 80, 100));
    expect(m2.id).toBe(m1.id);
    expect(m2.asset).not.toBe(m1.asset);
    await setMask(lib, render.id, 'texture-lock', await png(64, 80, 50));
    expect(listMasks(lib, render.id).map((m) => m.purpose)).toEqual(['edit', 'texture-lock']);
    await expect(setMask(lib, render.id, 'garment', await png(32, 40, 1))).rejects.toThrow(/32x40 but render #\d+ is 64x80/);
    await expect(setMask(lib, render.id, 'garment', await sharp(await png(64, 80, 1)).jpeg().toBuffer())).rejects.toThrow(/must be a PNG/);
    expect(deleteMask(lib, render.id, 'edit')).toBe(true);
    expect(getGarment(lib, 'JK-001').masks.map((m) => m.purpose)).toEqual(['texture-lock']);
    lib.close();
  });

  it('keeps combos (outfits) with roles and layer order', () => {
    const lib = catalog();
    const jacket = getGarment(lib, 'JK-001');
    const combo = createCombo(lib, {
      name: 'Weekend',
      items: [
        { garment: 'TS-001', role: 'top', layer: 1 },
        { garment: 'JN-001', role: 'bottom', layer: 0 },
        { garment: jacket.id, colorwayId: jacket.colorways[0]!.id, role: 'outer', layer: 2 },
      ],
    });
    expect(combo.items.map((i) => [i.sku, i.role, i.layer])).toEqual([['JN-001', 'bottom', 0], ['TS-001', 'top', 1], ['JK-001', 'outer', 2]]);
    expect(() => createCombo(lib, { name: 'bad', items: [{ garment: 'TS-001', role: 'cape' as never }] })).toThrow(/unknown combo role 'cape'/);
    expect(() => createCombo(lib, { name: 'bad', items: [{ garment: 'TS-001', role: 'top', colorwayId: jacket.colorways[0]!.id }] })).toThrow(/does not belong/);
    expect(listCombos(lib).map((c) => c.name)).toEqual(['Weekend']);
    const updated = updateCombo(lib, combo.id, { name: 'Weekend 2', items: [{ garment: 'TS-002', role: 'top' }] });
    expect(updated.items.map((i) => i.sku)).toEqual(['TS-002']);
    expect(getCombo(lib, combo.id).name).toBe('Weekend 2');
    expect(deleteCombo(lib, combo.id)).toBe(true);
    expect(listCombos(lib)).toEqual([]);
    lib.close();
  });

  it('records generations from renders or combos through their states, and filters garments by them', async () => {
    const lib = catalog();
    const render = getGarment(lib, 'JK-002').renders[0]!;
    const g = insertGeneration(lib, { source: { renderId: render.id }, model: 'fashionr2r-sd15', params: { strength: 0.3, steps: 50 }, seed: 42 });
    expect(g).toMatchObject({ status: 'queued', renderId: render.id, comboId: null, params: { strength: 0.3, steps: 50 }, seed: 42, output: null, startedAt: null });
    expect(searchGarments(lib, { hasGeneration: true }).total).toBe(0);
    const running = updateGeneration(lib, g.id, { status: 'running' });
    expect(running.startedAt).not.toBeNull();
    expect(() => updateGeneration(lib, g.id, { status: 'done' })).toThrow(/CHECK/);
    const done = await storeGenerationOutput(lib, g.id, await png(64, 80, 77), { lpips: 0.12 });
    expect(done).toMatchObject({ status: 'done', metrics: { lpips: 0.12 } });
    expect(done.finishedAt).not.toBeNull();
    expect(existsSync(join(lib.root, done.outputPath!))).toBe(true);
    expect(skus(searchGarments(lib, { hasGeneration: true }))).toEqual(['JK-002']);
    expect(searchGarments(lib, { hasGeneration: false }).total).toBe(5);

    const combo = createCombo(lib, { name: 'look', items: [{ garment: 'TS-001', role: 'top' }, { garment: 'JN-001', role: 'bottom' }] });
    const cg = insertGeneration(lib, { source: { comboId: combo.id }, model: 'm', seed: 1, status: 'running' });
    updateGeneration(lib, cg.id, { status: 'failed', error: 'out of memory' });
    expect(skus(searchGarments(lib, { hasGeneration: true }))).toEqual(['JK-002']);
    await storeGenerationOutput(lib, cg.id, await png(64, 80, 78));
    expect(skus(searchGarments(lib, { hasGeneration: true }))).toEqual(['JK-002', 'JN-001', 'TS-001']);
    expect(listGenerations(lib, { comboId: combo.id }).map((x) => x.status)).toEqual(['done']);
    expect(getGarment(lib, 'TS-001').generations.map((x) => x.id)).toEqual([cg.id]);
    expect(() => insertGeneration(lib, { source: { renderId: 99999 }, model: 'm', seed: 1 })).toThrow(/no render #99999/);
    lib.close();
  });
});

describe('thumbnails', () => {
  it('are made lazily, bounded to standard sides, cached by hash and side', async () => {
    const lib = createLibrary(join(tempDir(), 'lib'));
    const asset = await storeImage(lib, await png(600, 300, 5));
    expect([1, 64, 65, 200, 256, 257, 5000].map(thumbnailSide)).toEqual([64, 64, 128, 256, 256, 512, 512]);
    const first = await thumbnail(lib, asset.hash, 200);
    expect(first.cached).toBe(false);
    expect(first.file).toBe(join(lib.root, 'thumbnails', asset.hash.slice(0, 2), `${asset.hash}-256.webp`));
    expect(await sharp(first.file).metadata()).toMatchObject({ format: 'webp', width: 256, height: 128 });
    const inode = statSync(first.file).ino;
    const second = await thumbnail(lib, asset.hash, 256);
    expect(second.cached).toBe(true);
    // not made again: a new thumbnail would have been renamed into place (a new inode)
    expect(statSync(second.file).ino).toBe(inode);
    // never bigger than the image itself
    expect(await sharp((await thumbnail(lib, asset.hash, 4000)).file).metadata()).toMatchObject({ width: 512, height: 256 });
    const small = await storeImage(lib, await png(40, 30, 6));
    expect(await sharp((await thumbnail(lib, small.hash, 512)).file).metadata()).toMatchObject({ width: 40, height: 30 });
    await expect(thumbnail(lib, 'f'.repeat(64), 64)).rejects.toThrow(/no asset/);

    // trimming drops the least recently used first
    const old = new Date(Date.now() - 60_000);
    utimesSync(first.file, old, old);
    const sizeOf = (f: string) => statSync(f).size;
    const others = [join(lib.root, 'thumbnails', asset.hash.slice(0, 2), `${asset.hash}-512.webp`), join(lib.root, 'thumbnails', small.hash.slice(0, 2), `${small.hash}-512.webp`)];
    expect(trimThumbnails(lib, others.reduce((n, f) => n + sizeOf(f), 0))).toBe(1);
    expect(existsSync(first.file)).toBe(false);
    expect(others.every((f) => existsSync(f))).toBe(true);
    expect((await thumbnail(lib, asset.hash, 256)).cached).toBe(false);
    lib.close();
  });
});
