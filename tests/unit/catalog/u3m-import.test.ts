import { unzipSync, zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../../main/catalog/assets';
import { createLibraryService, LibraryHolder } from '../../../main/api/library-service';
import { importTree } from '../../../main/catalog/import/importer';
import { createLibrary } from '../../../main/catalog/library';
import type { Library } from '../../../main/catalog/library';
import { colorwayMaterial, loadColorwayMaterial, materialFile } from '../../../main/catalog/materials';
import { png, tempDir, writeFile } from './helpers';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function u3m(name: string, imagePath: string | null) {
  return {
    schema: '1.1',
    material: {
      id: name.toLowerCase(),
      name,
      front: {
        basecolor: imagePath
          ? { constant: { r: 1, g: 1, b: 1 }, texture: { factor: { r: 1, g: 1, b: 1 }, image: { path: imagePath, width: 50, height: 50 } } }
          : { constant: { r: 1, g: 0, b: 0 } },
        roughness: { constant: 0.9 },
      },
    },
  };
}

function materials(lib: Library) {
  return lib
    .sql<[], { sku: string; colorway: string; name: string; hash: string; source_path: string }>(
      `SELECT g.sku, c.name AS colorway, m.name, m.hash, m.source_path FROM garment_materials m
       JOIN colorways c ON c.id = m.colorway_id JOIN garments g ON g.id = c.garment_id ORDER BY g.sku, c.name`,
    )
    .all();
}

const colorwayId = (lib: Library, sku: string, colorway: string) =>
  lib.sql<[string, string], { id: number }>('SELECT c.id FROM colorways c JOIN garments g ON g.id = c.garment_id WHERE g.sku = ? AND c.name = ?').get(sku, colorway)!.id;

describe('r2r import of <garment>/<colorway>/material.u3m|.u3ma', () => {
  let stripes: Uint8Array;
  beforeAll(async () => {
    stripes = new Uint8Array(await sharp({ create: { width: 32, height: 16, channels: 3, background: '#cc2200' } }).png().toBuffer());
  });

  it('stores a .u3m with the image beside it as one packed .u3ma under its hash; the texture is not taken for a render', async () => {
    const src = tempDir();
    writeFile(src, 'tops/TEE-1/red/front_raster.png', await png(8, 8, 1));
    writeFile(src, 'tops/TEE-1/red/material.u3m', enc(u3m('Red twill', 'base_color.png')));
    // `base_color.png` fits the layout's {view}_{kind}: named by the material, it is a texture, not a render
    writeFile(src, 'tops/TEE-1/red/base_color.png', stripes);
    const lib = createLibrary(tempDir());
    const report = await importTree(lib, src);
    expect(report.problems).toEqual([]);
    expect(report.materials).toEqual({ found: 1, assigned: 1 });
    expect(report.renders.added).toBe(1);
    const rows = materials(lib);
    expect(rows).toEqual([{ sku: 'TEE-1', colorway: 'red', name: 'Red twill', hash: rows[0]!.hash, source_path: 'tops/TEE-1/red/material.u3m' }]);
    const stored = readFileSync(materialFile(lib.root, rows[0]!.hash));
    expect(sha256(stored)).toBe(rows[0]!.hash);
    expect(Object.keys(unzipSync(stored)).sort()).toEqual(['base_color.png', 'material.u3m']);
    const loaded = loadColorwayMaterial(lib, lib.root, colorwayId(lib, 'TEE-1', 'red'))!;
    expect(loaded.material.front.basecolor.texture!.image).toMatchObject({ path: 'base_color.png', widthMm: 50, pixels: { width: 32, height: 16 } });
    expect(loaded.images.get('base_color.png')).toEqual(stripes);
    const again = await importTree(lib, src);
    expect(again.materials).toEqual({ found: 1, assigned: 0 });
    expect(materials(lib)).toEqual(rows);
    lib.close();
  });

  it('reads a .u3ma; the same material twice is one stored file', async () => {
    const src = tempDir();
    const zip = zipSync({ 'red/red.u3m': enc(u3m('Red', 'tex/c.png')), 'red/tex/c.png': stripes });
    writeFile(src, 'tops/TEE-2/red/material.u3ma', zip);
    writeFile(src, 'tops/TEE-3/red/material.u3ma', zip);
    const lib = createLibrary(tempDir());
    const report = await importTree(lib, src);
    expect(report.problems).toEqual([]);
    expect(report.materials).toEqual({ found: 2, assigned: 2 });
    const rows = materials(lib);
    expect(rows.map((r) => [r.sku, r.name])).toEqual([
      ['TEE-2', 'Red'],
      ['TEE-3', 'Red'],
    ]);
    expect(rows[0]!.hash).toBe(rows[1]!.hash);
    expect(colorwayMaterial(lib, colorwayId(lib, 'TEE-2', 'red'))).toMatchObject({ name: 'Red', bytes: readFileSync(materialFile(lib.root, rows[0]!.hash)).length });
    lib.close();
  });

  it('reports a corrupt zip, a missing image and a bad schema per file, and imports everything else', async () => {
    const src = tempDir();
    writeFile(src, 'tops/BAD-ZIP/red/front_raster.png', await png(8, 8, 2));
    writeFile(src, 'tops/BAD-ZIP/red/material.u3ma', new Uint8Array([0x50, 0x4b, 3, 4, 9, 9, 9]));
    writeFile(src, 'tops/NO-IMG/red/material.u3m', enc(u3m('Lost', 'gone.png')));
    writeFile(src, 'tops/OLD/red/material.u3m', enc({ ...u3m('Old', null), schema: '1.0' }));
    writeFile(src, 'tops/GOOD/red/material.u3m', enc(u3m('Plain red', null)));
    const lib = createLibrary(tempDir());
    const report = await importTree(lib, src);
    expect(report.problems).toEqual([
      { file: 'tops/BAD-ZIP/red/material.u3ma', reason: 'not a .u3ma: the file is not a zip archive' },
      { file: 'tops/NO-IMG/red/material.u3m', reason: "missing image 'gone.png' (named by material.front.basecolor.texture)" },
      { file: 'tops/OLD/red/material.u3m', reason: 'U3M schema "1.0" is not supported: export U3M 1.1' },
    ]);
    expect(report.materials).toEqual({ found: 4, assigned: 1 });
    expect(report.renders.added).toBe(1);
    expect(materials(lib).map((r) => [r.sku, r.name])).toEqual([['GOOD', 'Plain red']]);
    lib.close();
  });

  it('does not read an image a .u3m names outside the import folder (../), even when the file exists there', async () => {
    const base = tempDir();
    const src = join(base, 'src');
    writeFile(base, 'outside.png', stripes);
    writeFile(src, 'tops/ESC/red/front_raster.png', await png(8, 8, 3));
    writeFile(src, 'tops/ESC/red/material.u3m', enc(u3m('Escape', '../../../../outside.png')));
    const lib = createLibrary(tempDir());
    const report = await importTree(lib, src);
    expect(report.problems).toEqual([{ file: 'tops/ESC/red/material.u3m', reason: expect.stringContaining("'../../../../outside.png'") }]);
    expect(report.materials).toEqual({ found: 1, assigned: 0 });
    expect(report.renders.added).toBe(1);
    expect(materials(lib)).toEqual([]);
    lib.close();
  });

  it('refuses a material outside a colorway folder, and a folder holding both kinds', async () => {
    const src = tempDir();
    writeFile(src, 'material.u3m', enc(u3m('Loose', null)));
    writeFile(src, 'tops/TWO/red/material.u3m', enc(u3m('A', null)));
    writeFile(src, 'tops/TWO/red/material.u3ma', zipSync({ 'a.u3m': enc(u3m('B', null)) }));
    const lib = createLibrary(tempDir());
    const report = await importTree(lib, src);
    expect(report.problems.map((p) => p.file)).toEqual(['material.u3m', 'tops/TWO/red/material.u3m', 'tops/TWO/red/material.u3ma']);
    expect(report.problems[0]!.reason).toContain('a material must sit in a <garment>/<colorway>/ folder');
    expect(report.problems[1]!.reason).toBe('the folder holds both material.u3m and material.u3ma: keep one');
    expect(report.materials.assigned).toBe(0);
    lib.close();
  });

  it('the library service names the material and hands its front side and images to the renderer', async () => {
    const src = tempDir();
    writeFile(src, 'tops/TEE-5/red/material.u3m', enc(u3m('Red twill', 'tex/c.png')));
    writeFile(src, 'tops/TEE-5/red/tex/c.png', stripes);
    writeFile(src, 'tops/TEE-5/blue/front_raster.png', await png(8, 8, 3));
    const lib = createLibrary(tempDir());
    await importTree(lib, src);
    const [red, blue] = [colorwayId(lib, 'TEE-5', 'red'), colorwayId(lib, 'TEE-5', 'blue')];
    const root = lib.root;
    lib.close();
    const holder = new LibraryHolder({ recentFile: `${tempDir()}/recent.json` });
    holder.open(root);
    const service = createLibraryService(holder);
    expect(await service.material(red)).toMatchObject({ colorwayId: red, name: 'Red twill' });
    expect(await service.material(blue)).toBeNull();
    const data = (await service.materialData(red))!;
    expect(data.name).toBe('Red twill');
    expect(data.side.basecolor.texture!.image).toMatchObject({ path: 'tex/c.png', widthMm: 50, heightMm: 50 });
    expect(Object.keys(data.images)).toEqual(['tex/c.png']);
    expect(Buffer.from(data.images['tex/c.png']!, 'base64')).toEqual(Buffer.from(stripes));
    expect(await service.materialData(blue)).toBeNull();
    holder.close();
  });
});
