import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../../main/catalog/library';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { tempDir } from './helpers';

describe('the sample library holds a 3D model', () => {
  it("gives the first garment's colorways the procedural T-shirt GLB, one material variant each", async () => {
    const dir = tempDir();
    const result = await writeSampleLibrary(dir, { garments: 2, colorways: 2, width: 24, height: 32, views: ['front'] });
    expect(result.report.problems).toEqual([]);
    expect(result.report.models).toEqual({ found: 1, assigned: 2 });
    const lib = openLibrary(dir);
    const rows = lib
      .sql<[], { sku: string; colorway: string; variant: string | null }>(
        'SELECT g.sku, c.name AS colorway, m.variant FROM garment_models m JOIN colorways c ON c.id = m.colorway_id JOIN garments g ON g.id = c.garment_id ORDER BY c.name',
      )
      .all();
    lib.close();
    const first = result.tree.garments[0]!;
    expect(rows).toEqual([...first.colorways].sort().map((c) => ({ sku: first.sku, colorway: c, variant: c })));
  });
});
