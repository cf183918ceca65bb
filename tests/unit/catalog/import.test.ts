import { randomBytes } from 'node:crypto';
import { readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { importTree } from '../../../main/catalog/import/importer';
import { createLibrary } from '../../../main/catalog/library';
import { getGarment, searchGarments } from '../../../main/catalog/queries/garments';
import { listCategories } from '../../../main/catalog/queries/vocabulary';
import { png, tempDir, writeFile } from './helpers';

function countAssetFiles(root: string): number {
  return readdirSync(join(root, 'assets'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
}

async function goodTree(): Promise<string> {
  const src = tempDir('r2r-src-');
  writeFile(src, 'T-shirt/TS-1/navy/front_raster.png', await png(16, 20, 1));
  writeFile(src, 'T-shirt/TS-1/navy/front_rt.png', await png(16, 20, 2));
  writeFile(src, 'T-shirt/TS-1/navy/back_rasterized.png', await png(16, 20, 3));
  writeFile(src, 'T-shirt/TS-1/white/3q_pathtraced.jpg', await sharp(await png(16, 20, 4)).jpeg().toBuffer());
  writeFile(src, 'T-shirt/TS-1/garment.json', JSON.stringify({ sku: 'TS-1', name: 'Pocket Tee', tags: ['cotton', 'summer'], notes: 'from CLO' }));
  writeFile(src, 'jeans/JN-9/indigo/front_raster.png', await png(24, 30, 5));
  // the same image as TS-1's front raster: stored once
  writeFile(src, 'jeans/JN-9/indigo/left_raster.png', await png(16, 20, 1));
  writeFile(src, 'Capes & Cloaks/CP-3/wool/front_raytrace.webp', await sharp(await png(10, 10, 6)).webp().toBuffer());
  writeFile(src, 'notes/readme.png', await png(4, 4, 7));
  return src;
}

describe('importer', () => {
  it('imports the default layout, then adds nothing when run again', async () => {
    const src = await goodTree();
    const lib = createLibrary(join(tempDir(), 'lib'));
    const first = await importTree(lib, src);
    expect(first.garments).toEqual({ found: 3, added: 3, updated: 0, unchanged: 0 });
    expect(first.renders).toEqual({ found: 7, added: 7, existing: 0 });
    expect(first.problems).toEqual([]);
    expect(first.unmatched).toEqual(['notes/readme.png']);
    expect(countAssetFiles(lib.root)).toBe(6);

    const tee = getGarment(lib, 'TS-1');
    expect(tee).toMatchObject({ name: 'Pocket Tee', category: 't-shirt', categoryName: 'T-shirt', tags: ['cotton', 'summer'], notes: 'from CLO' });
    expect(tee.colorways.map((c) => c.name)).toEqual(['navy', 'white']);
    expect(tee.views.map((v) => v.slug)).toEqual(['front', 'back', 'three-quarter']);
    expect(tee.renders.map((r) => [r.colorway, r.view, r.kind, r.width, r.height])).toEqual([
      ['navy', 'front', 'raster', 16, 20],
      ['navy', 'front', 'raytrace', 16, 20],
      ['navy', 'back', 'raster', 16, 20],
      ['white', 'three-quarter', 'raytrace', 16, 20],
    ]);
    expect(tee.renders[3]!.path).toMatch(/^assets\/[0-9a-f]{2}\/[0-9a-f]{62}\.jpg$/);
    const cape = getGarment(lib, 'CP-3');
    expect(cape.category).toBe('capes-cloaks');
    expect(listCategories(lib).find((c) => c.slug === 'capes-cloaks')).toMatchObject({ name: 'Capes & Cloaks', builtin: false });

    const again = await importTree(lib, src);
    expect(again.garments).toEqual({ found: 3, added: 0, updated: 0, unchanged: 3 });
    expect(again.renders).toEqual({ found: 7, added: 0, existing: 7 });
    expect(searchGarments(lib).total).toBe(3);
    expect(lib.raw.prepare('SELECT count(*) FROM renders').pluck().get()).toBe(7);

    // a new view exported later is added to the garment that is already there
    writeFile(src, 'jeans/JN-9/indigo/back_raster.png', await png(24, 30, 8));
    const third = await importTree(lib, src);
    expect(third.garments).toEqual({ found: 3, added: 0, updated: 1, unchanged: 2 });
    expect(third.renders.added).toBe(1);
    lib.close();
  });

  it('reports corrupt, truncated and unreadable images one by one and imports the rest', async () => {
    const src = tempDir('r2r-src-');
    const good = await png(32, 32, 9);
    const noisy = await sharp(Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
    writeFile(src, 'dress/D-1/red/front_raster.png', good);
    writeFile(src, 'dress/D-1/red/back_raster.png', noisy.subarray(0, Math.floor(noisy.length / 2)));
    const damaged = Buffer.from(noisy);
    for (let i = 200; i < 260; i++) damaged[i] = 0xff;
    writeFile(src, 'dress/D-1/red/left_raster.png', damaged);
    writeFile(src, 'dress/D-1/red/right_raster.png', 'not an image at all');
    writeFile(src, 'dress/D-1/red/front_rt.png', '');
    writeFile(src, 'dress/D-1/red/back_rt.jpg', (await sharp(noisy).jpeg().toBuffer()).subarray(0, 300));
    symlinkSync(join(src, 'missing.png'), join(src, 'dress/D-1/red/left_rt.png'));
    writeFile(src, 'coat/C-1/camel/front_raster.png', good);
    // several damaged files decoded side by side (the importer decodes a few at once)
    const big = await sharp(randomBytes(128 * 128 * 3), { raw: { width: 128, height: 128, channels: 3 } }).png().toBuffer();
    for (let i = 0; i < 6; i++) writeFile(src, `coat/C-1/camel/v${i}_raytrace.png`, big.subarray(0, 3000 + i * 1500));
    const lib = createLibrary(join(tempDir(), 'lib'));
    const report = await importTree(lib, src);
    const reasons = Object.fromEntries(report.problems.map((p) => [p.file, p.reason]));
    expect(Object.keys(reasons).sort()).toEqual([
      ...Array.from({ length: 6 }, (_, i) => `coat/C-1/camel/v${i}_raytrace.png`),
      'dress/D-1/red/back_raster.png',
      'dress/D-1/red/back_rt.jpg',
      'dress/D-1/red/front_rt.png',
      'dress/D-1/red/left_raster.png',
      'dress/D-1/red/left_rt.png',
      'dress/D-1/red/right_raster.png',
    ]);
    expect(reasons['dress/D-1/red/front_rt.png']).toBe('empty file');
    expect(reasons['dress/D-1/red/right_raster.png']).toMatch(/not an image/);
    expect(reasons['dress/D-1/red/left_rt.png']).toMatch(/unreadable \(ENOENT\)/);
    expect(reasons['dress/D-1/red/back_raster.png']).toMatch(/truncated|corrupt/);
    expect(reasons['dress/D-1/red/left_raster.png']).toMatch(/corrupt|truncated/);
    expect(report.renders).toEqual({ found: 2, added: 2, existing: 0 });
    expect(getGarment(lib, 'D-1').renders.map((r) => r.view)).toEqual(['front']);
    expect(countAssetFiles(lib.root)).toBe(1);
    lib.close();
  });

  it('follows a --layout template and reports progress per image', async () => {
    const src = tempDir('r2r-src-');
    writeFile(src, 'hoodie/HD-1_front_raster.png', await png(8, 8, 10));
    writeFile(src, 'hoodie/HD-1_back_rt.png', await png(8, 8, 11));
    writeFile(src, 'hat/HT-2_front_raster.png', await png(8, 8, 12));
    const lib = createLibrary(join(tempDir(), 'lib'));
    const seen: Array<[number, number]> = [];
    const report = await importTree(lib, src, { layout: '{category}/{sku}_{view}_{kind}.png', onProgress: (d, t) => seen.push([d, t]) });
    expect(report.renders.added).toBe(3);
    expect(seen[0]).toEqual([0, 3]);
    expect(seen.at(-1)).toEqual([3, 3]);
    expect(getGarment(lib, 'HD-1').renders.map((r) => `${r.colorway}/${r.view}/${r.kind}`)).toEqual(['default/front/raster', 'default/back/raytrace']);
    lib.close();
  });

  it('stops between garments when cancelled, committing the garments already prepared', async () => {
    const src = tempDir('r2r-src-');
    for (let i = 0; i < 4; i++) writeFile(src, `set/S-${i}/a/front_raster.png`, await png(8, 8, 20 + i));
    const lib = createLibrary(join(tempDir(), 'lib'));
    const ctl = new AbortController();
    await expect(importTree(lib, src, { signal: ctl.signal, onProgress: (d) => d === 2 && ctl.abort() })).rejects.toThrow();
    expect(searchGarments(lib).garments.map((g) => g.sku)).toEqual(['S-0', 'S-1']);
    expect(lib.raw.prepare('SELECT count(*) FROM renders').pluck().get()).toBe(2);
    lib.close();
  });
});
