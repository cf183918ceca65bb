import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importTree } from '../../../main/catalog/import/importer';
import { createLibrary } from '../../../main/catalog/library';
import { png, tempDir, writeFile } from './helpers';

describe('import: folder and file names the library cannot name', () => {
  // either used to stop the whole import with bad-category / bad-view when the garment was written
  it('skips an image whose category folder or view has no letters or digits, and imports the rest', async () => {
    const src = tempDir('r2r-src-');
    writeFile(src, '!!!/HT-1/red/front_raster.png', await png(8, 8, 1));
    writeFile(src, 'hat/HT-2/red/___raster.png', await png(8, 8, 2));
    writeFile(src, 'hat/HT-3/red/front_raster.png', await png(8, 8, 3));
    const lib = createLibrary(join(tempDir(), 'lib'));
    const report = await importTree(lib, src);
    lib.close();
    expect(report.problems).toEqual([
      { file: '!!!/HT-1/red/front_raster.png', reason: "the folder name '!!!' cannot name a category (it needs letters or digits)" },
      { file: 'hat/HT-2/red/___raster.png', reason: "'__' cannot name a view (it needs letters or digits)" },
    ]);
    expect(report.garments).toMatchObject({ found: 1, added: 1 });
  });
});
