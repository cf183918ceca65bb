import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured as cli } from '../support/cli-io';
import { openLibrary } from '../../../main/catalog/library';
import { getGarment } from '../../../main/catalog/queries/garments';
import { insertGeneration, storeGenerationOutput } from '../../../main/catalog/queries/generations';
import { SCHEMA_VERSION } from '../../../main/catalog/migrations/index';
import { png, tempDir, writeFile } from './helpers';

describe('catalog commands', () => {
  it('init, sample tree, import and search, all as JSON', async () => {
    const base = tempDir();
    const lib = join(base, 'lib');
    const src = join(base, 'src');
    const init = await cli(['library', 'init', lib, '--json']);
    expect(init.code).toBe(0);
    expect(JSON.parse(init.out)).toEqual({ library: lib, schemaVersion: SCHEMA_VERSION });

    const tree = await cli(['sample-library', src, '--tree', '--garments', '3', '--colorways', '1', '--width', '40', '--height', '50', '--json']);
    expect(tree.code).toBe(0);
    expect(JSON.parse(tree.out).images).toBe(3 * 5 * 2);

    const imp = await cli(['import', src, '--library', lib, '--json']);
    expect(imp.code).toBe(0);
    expect(JSON.parse(imp.out).renders).toEqual({ found: 30, added: 30, existing: 0 });
    const events = imp.err.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: 'progress', task: 'import', done: 0, total: 30 });
    expect(events.at(-1)).toMatchObject({ event: 'done', task: 'import' });

    const search = await cli(['search', '--library', lib, '--category', 'jeans', '--text', 'denim', '--kind', 'raster', '--json']);
    expect(search.code).toBe(0);
    const page = JSON.parse(search.out);
    expect(page.total).toBe(1);
    expect(page.garments[0]).toMatchObject({ sku: 'JN-1002', category: 'jeans' });
    expect(typeof page.garments[0].name).toBe('string');
    expect(page.garments[0].renders).toHaveLength(5);
    for (const r of page.garments[0].renders) {
      expect(r).toMatchObject({ kind: 'raster', width: 40, height: 50 });
      expect(typeof r.colorway).toBe('string');
      expect(['front', 'back', 'left', 'right', 'three-quarter']).toContain(r.view);
    }

    const none = await cli(['search', '--library', lib, '--has-generation', '--json']);
    expect(JSON.parse(none.out)).toEqual({ total: 0, garments: [] });
    const l = openLibrary(lib);
    const render = getGarment(l, 'TS-1001').renders[0]!;
    const gen = insertGeneration(l, { source: { renderId: render.id }, model: 'm', seed: 3 });
    await storeGenerationOutput(l, gen.id, await png(40, 50, 1));
    l.close();
    const some = await cli(['search', '--library', lib, '--has-generation', '--json']);
    expect(JSON.parse(some.out).garments.map((g: { sku: string }) => g.sku)).toEqual(['TS-1001']);

    const human = await cli(['search', '--library', lib, '--text', 'tee']);
    expect(human.out).toMatch(/^1 garment\(s\)\n {2}TS-1001/);
  });

  it('reports bad images per file (exit 0, the rest imported; 3 with --strict), and user mistakes plainly', async () => {
    const base = tempDir();
    const lib = join(base, 'lib');
    await cli(['library', 'init', lib]);
    writeFile(base, 'src/hat/HT-1/red/front_raster.png', await png(8, 8, 1));
    writeFile(base, 'src/hat/HT-1/red/back_raster.png', 'garbage');
    const imp = await cli(['import', join(base, 'src'), '--library', lib]);
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/skipped 1:\n {4}hat\/HT-1\/red\/back_raster\.png: not an image/);
    expect((await cli(['import', join(base, 'src'), '--library', lib, '--strict'])).code).toBe(3);
    const kind = await cli(['search', '--library', lib, '--kind', 'sketch']);
    expect(kind.code).toBe(1);
    expect(kind.err).toMatch(/--kind must be one of raster, raytrace, photo/);
    const missing = await cli(['search', '--library', join(base, 'nowhere')]);
    expect(missing.err).toMatch(/nowhere does not exist.*\n.*r2r library init/);
    const layout = await cli(['import', join(base, 'src'), '--library', lib, '--layout', '{sku}.png']);
    expect(layout.err).toMatch(/needs \{kind\}/);
    const again = await cli(['library', 'init', lib]);
    expect(again.err).toMatch(/already holds a library/);
  });
});
