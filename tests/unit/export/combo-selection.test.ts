import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../main/cli/index';
import { openLibrary } from '../../../main/catalog/library';
import { createCombo } from '../../../main/catalog/queries/combos';
import { getGarment } from '../../../main/catalog/queries/garments';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { comboIdFor, selectCandidates } from '../../../main/export/catalog-candidates';
import { exportJobParams } from '../../../main/export/export-job-kind';
import { tempDir } from './fixtures';
import { cliIo } from '../support/cli-io';

const VIEWS = ['front', 'back'];

describe('export selection of an outfit (combo)', () => {
  let library = '';
  let outfit = 0;
  // the outfit: garment A in every colorway, garment C in its second colorway only; B is left out
  let want: string[] = [];

  beforeAll(async () => {
    library = join(tempDir('r2r-combo-export-'), 'lib');
    await writeSampleLibrary(library, { garments: 3, colorways: 2, views: VIEWS, width: 96, height: 120 });
    const lib = openLibrary(library);
    try {
      const skus = lib.raw.prepare('SELECT sku FROM garments ORDER BY sku').all().map((r) => (r as { sku: string }).sku);
      expect(skus).toHaveLength(3);
      const [a, , c] = skus.map((s) => getGarment(lib, s));
      const second = c!.colorways[1]!;
      outfit = createCombo(lib, {
        name: 'Autumn look',
        items: [
          { garment: a!.sku, role: 'bottom' },
          { garment: c!.sku, role: 'top', colorwayId: second.id },
        ],
      }).id;
      // the expected views, from the garments' own records
      want = [
        ...a!.renders.filter((r) => r.kind === 'raytrace').map((r) => `${a!.sku}|${r.colorway}|${r.view}`),
        ...c!.renders.filter((r) => r.kind === 'raytrace' && r.colorwayId === second.id).map((r) => `${c!.sku}|${r.colorway}|${r.view}`),
      ].sort();
      expect(want).toHaveLength(2 * VIEWS.length + VIEWS.length);
    } finally {
      lib.close();
    }
  });

  it("plans only the outfit's garments, in the colorway each item names", () => {
    const lib = openLibrary(library);
    try {
      const { candidates } = selectCandidates(lib, { combo: outfit }, 'raytrace');
      expect(candidates.map((c) => `${c.sku}|${c.colorway}|${c.view}`).sort()).toEqual(want);
      // the other filters still narrow the outfit
      const front = selectCandidates(lib, { combo: outfit, colorway: candidates[0]!.colorway }, 'raytrace').candidates;
      expect(front.every((c) => c.colorway === candidates[0]!.colorway)).toBe(true);
      expect(() => selectCandidates(lib, { combo: 999 }, 'raytrace')).toThrow(/no combo #999/);
    } finally {
      lib.close();
    }
  });

  it('finds an outfit by id or name', () => {
    const lib = openLibrary(library);
    try {
      expect(comboIdFor(lib, String(outfit))).toBe(outfit);
      expect(comboIdFor(lib, 'Autumn look')).toBe(outfit);
      expect(comboIdFor(lib, 'autumn LOOK')).toBe(outfit);
      expect(() => comboIdFor(lib, 'Winter')).toThrow(/no outfit named 'Winter'/);
    } finally {
      lib.close();
    }
  });

  it('the export job kind takes a combo selection', () => {
    const base = { library, outDir: '/tmp/x', preset: 'amazon', source: 'raytrace' as const };
    expect(exportJobParams.safeParse({ ...base, selection: { combo: outfit } }).success).toBe(true);
    expect(exportJobParams.safeParse({ ...base, selection: { combo: 'Autumn look' } }).success).toBe(false);
  });

  it('`r2r export --combo <name>` exports only those views', async () => {
    const out = join(tempDir('r2r-combo-out-'), 'out');
    const t = cliIo();
    expect(await runCli(['export', '--library', library, '--out', out, '--source', 'raytrace', '--preset', 'shopify', '--size', '256', '--combo', 'Autumn look', '--json'], t.io), t.err()).toBe(0);
    const lines = t.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ event: 'plan', total: want.length });
    expect(lines.at(-1)).toMatchObject({ event: 'summary', total: want.length, done: want.length, failed: 0 });
    const files = readdirSync(out).filter((f) => !f.startsWith('export-report'));
    expect(files).toHaveLength(want.length);
    const skus = new Set(want.map((w) => w.split('|')[0]!));
    expect(files.every((f) => [...skus].some((s) => f.startsWith(s)))).toBe(true);
  });
});
