import { WebIO } from '@gltf-transform/core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../main/catalog/assets';
import { inspectModel } from '../../../main/catalog/import/glb';
import { importTree } from '../../../main/catalog/import/importer';
import { createLibrary } from '../../../main/catalog/library';
import type { Library } from '../../../main/catalog/library';
import { modelFile } from '../../../main/catalog/models';
import { buildGarmentGlb } from '../../../main/catalog/sample/garment-model';
import { png, tempDir, writeFile } from './helpers';

function models(lib: Library) {
  return lib
    .sql<[], { colorway: string; sku: string; hash: string; variant: string | null; triangles: number; source_path: string }>(
      `SELECT c.name AS colorway, g.sku, m.hash, m.variant, m.triangles, m.source_path FROM garment_models m
       JOIN colorways c ON c.id = m.colorway_id JOIN garments g ON g.id = c.garment_id ORDER BY g.sku, c.name`,
    )
    .all();
}

describe('r2r import of <garment>/<colorway>/model.glb', () => {
  it('stores the model under its hash and gives it to the colorway, beside the images; a second import changes nothing', async () => {
    const src = tempDir();
    const glb = await buildGarmentGlb({ segments: 12 });
    writeFile(src, 'tops/TEE-1/red/front_raster.png', await png(8, 8, 1));
    writeFile(src, 'tops/TEE-1/red/model.glb', glb);
    const lib = createLibrary(tempDir());
    const report = await importTree(lib, src);
    expect(report.problems).toEqual([]);
    expect(report.models).toEqual({ found: 1, assigned: 1 });
    expect(report.renders.added).toBe(1);
    const rows = models(lib);
    expect(rows).toEqual([{ colorway: 'red', sku: 'TEE-1', hash: sha256(glb), variant: null, triangles: (await inspectModel(glb)).triangles, source_path: 'tops/TEE-1/red/model.glb' }]);
    expect(readFileSync(modelFile(lib.root, sha256(glb)))).toEqual(Buffer.from(glb));
    const again = await importTree(lib, src);
    expect(again.models).toEqual({ found: 1, assigned: 0 });
    expect(models(lib)).toEqual(rows);
    lib.close();
  });

  it('makes each KHR_materials_variants variant a colorway that shares the one stored file', async () => {
    const src = tempDir();
    const glb = await buildGarmentGlb({ segments: 12, variants: ['red', 'navy', 'sand'] });
    writeFile(src, 'tops/TEE-2/red/model.glb', glb);
    const lib = createLibrary(tempDir());
    const report = await importTree(lib, src);
    expect(report.models.assigned).toBe(3);
    const rows = models(lib);
    expect(rows.map((r) => [r.colorway, r.variant])).toEqual([
      ['navy', 'navy'],
      ['red', 'red'],
      ['sand', 'sand'],
    ]);
    expect(new Set(rows.map((r) => r.hash))).toEqual(new Set([sha256(glb)]));
    // the garment exists though the tree held no image of it, in the folder's category
    expect(lib.sql<[], { slug: string }>("SELECT c.slug FROM garments g JOIN categories c ON c.id = g.category_id WHERE g.sku = 'TEE-2'").get()!.slug).toBe('tops');
    lib.close();
  });

  it('packs a .gltf with its neighbour buffer into one .glb', async () => {
    const src = tempDir();
    const doc = await new WebIO().readBinary(await buildGarmentGlb({ segments: 8 }));
    const { json, resources } = await new WebIO().writeJSON(doc);
    for (const [uri, bytes] of Object.entries(resources)) writeFile(src, `tops/TEE-3/default/${uri}`, bytes);
    writeFile(src, 'tops/TEE-3/default/model.gltf', JSON.stringify(json));
    const lib = createLibrary(tempDir());
    const report = await importTree(lib, src);
    expect(report.problems).toEqual([]);
    const [row] = models(lib);
    const stored = readFileSync(modelFile(lib.root, row!.hash));
    expect(stored.readUInt32LE(0)).toBe(0x46546c67);
    expect((await inspectModel(stored)).triangles).toBe((await inspectModel(await new WebIO().writeBinary(doc))).triangles);
    lib.close();
  });

  it('reports a corrupt model by file and imports the rest', async () => {
    const src = tempDir();
    const glb = await buildGarmentGlb({ segments: 8 });
    writeFile(src, 'tops/TEE-4/red/model.glb', glb.slice(0, 100));
    writeFile(src, 'tops/TEE-4/red/front_raster.png', await png(8, 8, 2));
    writeFile(src, 'tops/TEE-5/red/model.glb', glb);
    const lib = createLibrary(tempDir());
    const report = await importTree(lib, src);
    expect(report.problems).toEqual([{ file: 'tops/TEE-4/red/model.glb', reason: `truncated .glb: the header says ${glb.length} bytes, the file has 100` }]);
    expect(report.renders.added).toBe(1);
    expect(models(lib).map((r) => r.sku)).toEqual(['TEE-5']);
    lib.close();
  });
});
