import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { importTree } from '../../../main/catalog/import/importer';
import { assetFile, createLibrary, openLibrary } from '../../../main/catalog/library';
import { getRenderLabels } from '../../../main/catalog/queries/region-presets';
import { avatarParts } from '../../../main/catalog/sample/avatar';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { writeSampleTree } from '../../../main/catalog/sample/sample-tree';
import { LABEL_COLOURS } from '../../../preload/api/region-types';
import { tempDir } from './helpers';

const W = 64;
const H = 80;
const raw = async (file: string) => (await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true })).data;

describe('sample avatars and label masks', () => {
  it('adds avatars whose renders come with label masks: face only where a face is drawn, in skin colour', async () => {
    const res = await writeSampleLibrary(join(tempDir(), 'lib'), { garments: 1, colorways: 1, views: ['front', 'back'], avatars: 1, width: W, height: H });
    expect(res.report.labelMasks).toEqual({ found: 4, attached: 4, unchanged: 0 });
    expect(res.report.problems).toEqual([]);
    expect(res.tree.garments.map((g) => g.sku)).toEqual(['TS-1001', 'AV-2001']);
    const lib = openLibrary(res.root);
    const rows = lib.sql<[], { id: number; source_path: string }>('SELECT id, source_path FROM renders ORDER BY source_path').all();
    const labelled = rows.filter((r) => getRenderLabels(lib, r.id));
    expect(labelled.map((r) => r.source_path)).toEqual(rows.filter((r) => r.source_path.includes('AV-2001')).map((r) => r.source_path));
    for (const r of labelled) {
      const view = r.source_path.split('/').pop()!.split('_')[0]!;
      const labels = await raw(assetFile(lib, getRenderLabels(lib, r.id)!.asset));
      const parts = avatarParts(view, W, H);
      const count = (colour: number[]) => parts.filter((_, i) => labels[3 * i] === colour[0] && labels[3 * i + 1] === colour[1] && labels[3 * i + 2] === colour[2]).length;
      const faces = parts.filter((p) => p === 'face').length;
      expect(count(LABEL_COLOURS.face)).toBe(faces);
      expect(count(LABEL_COLOURS.garment)).toBe(parts.filter((p) => p === 'garment').length);
      expect(count(LABEL_COLOURS.skin)).toBeGreaterThan(0);
      if (view === 'back') expect(faces).toBe(0);
      else expect(faces).toBeGreaterThan(50);
      if (r.source_path.endsWith('_raster.png') && view === 'front') {
        const img = await raw(assetFile(lib, lib.sql<[number], { hash: string }>('SELECT a.hash FROM renders r JOIN assets a ON a.id = r.asset_id WHERE r.id = ?').get(r.id)!.hash));
        const i = parts.indexOf('face');
        expect(Array.from(img.subarray(3 * i, 3 * i + 3))).toEqual([222, 170, 138]);
      }
    }
    lib.close();
  });

  it('reports a label mask without its render or of another size, and keeps the import going', async () => {
    const src = join(tempDir(), 'tree');
    await writeSampleTree(src, { garments: 1, colorways: 1, views: ['front'], width: W, height: H });
    const cdir = join(src, 't-shirt', 'TS-1001', readdirSync(join(src, 't-shirt', 'TS-1001')).find((n) => n !== 'garment.json')!);
    writeFileSync(join(cdir, 'front_raster.mask.png'), await sharp({ create: { width: 32, height: 32, channels: 3, background: '#000' } }).png().toBuffer());
    writeFileSync(join(cdir, 'side_raster.mask.png'), await sharp({ create: { width: W, height: H, channels: 3, background: '#000' } }).png().toBuffer());
    const lib = createLibrary(join(tempDir(), 'lib2'));
    const report = await importTree(lib, src);
    expect(report.renders.added).toBe(2);
    expect(report.labelMasks).toEqual({ found: 2, attached: 0, unchanged: 0 });
    expect(report.unmatched).toEqual([]);
    expect(report.problems.map((p) => [p.file.split('/').pop(), p.reason.replace(/#\d+/, '#n')])).toEqual([
      ['front_raster.mask.png', 'label mask skipped: the label mask is 32x32 but render #n is 64x80'],
      ['side_raster.mask.png', expect.stringMatching(/label mask without its render: no .*side_raster\.png/)],
    ]);
    lib.close();
  });
});
