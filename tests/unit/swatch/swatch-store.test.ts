import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { openLibrary } from '../../../main/catalog/library';
import { getGarment } from '../../../main/catalog/queries/garments';
import { getSwatch, setSwatch } from '../../../main/catalog/queries/swatches';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { textileSeed } from '../../../main/catalog/sample/sample-tree';
import { COLORWAYS } from '../../../main/catalog/sample/textiles';
import { trueTile } from '../../../main/catalog/sample/true-tile';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('swatches in the library', () => {
  it("stores each periodic sample colorway's true tile with its sub-pixel repeat, and none for a print", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'r2r-swatch-store-'));
    dirs.push(dir);
    const { tree } = await writeSampleLibrary(dir, { garments: 3, colorways: 3, width: 48, height: 60, views: ['front'] });
    const lib = openLibrary(dir);
    try {
      let periodic = 0;
      for (const [gi, g] of tree.garments.entries()) {
        const detail = getGarment(lib, g.sku);
        for (const [ci, name] of g.colorways.entries()) {
          const spec = COLORWAYS.find((c) => c.name === name)!;
          const swatch = getSwatch(lib, detail.colorways.find((c) => c.name === name)!.id);
          if (!spec.repeat) {
            expect(swatch, name).toBeUndefined();
            continue;
          }
          periodic++;
          expect(swatch).toMatchObject({ periodX: spec.repeat[0], periodY: spec.repeat[1], origin: 'procedural', width: Math.round(spec.repeat[0]), height: Math.round(spec.repeat[1]) });
          const stored = await sharp(readFileSync(join(lib.root, swatch!.path))).raw().toBuffer();
          expect([...stored]).toEqual([...trueTile(spec, textileSeed(7, gi, ci))!.rgb]);
        }
      }
      expect(periodic).toBeGreaterThan(0);
    } finally {
      lib.close();
    }
  });

  it('replaces a swatch and its repeat, and forgets them with the colorway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'r2r-swatch-replace-'));
    dirs.push(dir);
    const { tree } = await writeSampleLibrary(dir, { garments: 1, colorways: 1, width: 48, height: 60, views: ['front'] });
    const lib = openLibrary(dir);
    try {
      const colorway = getGarment(lib, tree.garments[0]!.sku).colorways[0]!;
      const png = await sharp({ create: { width: 12, height: 10, channels: 3, background: { r: 200, g: 10, b: 30 } } }).png().toBuffer();
      const s = await setSwatch(lib, colorway.id, png, { periodX: 12.5, periodY: 10, origin: 'extracted', confidenceX: 0.9, confidenceY: 0.8 });
      expect(s).toMatchObject({ periodX: 12.5, periodY: 10, origin: 'extracted', confidenceX: 0.9, confidenceY: 0.8, width: 12, height: 10 });
      expect(getGarment(lib, tree.garments[0]!.sku).colorways[0]!.texture).not.toBeNull();
      await expect(setSwatch(lib, colorway.id, png, { periodX: 0, periodY: 10, origin: 'extracted', confidenceX: null, confidenceY: null })).rejects.toThrow(/must be positive/);
      lib.write(() => lib.sql('DELETE FROM colorways WHERE id = ?').run(colorway.id));
      expect(lib.sql('SELECT count(*) AS n FROM swatch_repeats').get()).toEqual({ n: 0 });
    } finally {
      lib.close();
    }
  });
});
