import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importTree } from '../import/importer';
import { writeSampleModel } from './sample-model';
import type { ImportReport } from '../import/importer';
import { createLibrary } from '../library';
import type { Library } from '../library';
import { getGarment } from '../queries/garments';
import { setSwatch } from '../queries/swatches';
import { DEFAULT_SAMPLE_SEED, textileSeed, writeSampleTree } from './sample-tree';
import type { SampleOptions, SampleTree } from './sample-tree';
import { COLORWAYS } from './textiles';
import { trueTile, trueTilePng } from './true-tile';

export interface SampleLibraryResult {
  root: string;
  tree: Omit<SampleTree, 'dir'>;
  report: ImportReport;
}

/** each periodic colorway's swatch is its textile's true tile: the ground truth of swatch extraction */
async function storeTrueSwatches(lib: Library, garments: SampleTree['garments'], seed: number): Promise<void> {
  for (const [gi, g] of garments.entries()) {
    const detail = getGarment(lib, g.sku);
    for (const [ci, name] of g.colorways.entries()) {
      const spec = COLORWAYS.find((c) => c.name === name);
      const colorway = detail.colorways.find((c) => c.name === name);
      const tile = spec && trueTile(spec, textileSeed(seed, gi, ci));
      if (!tile || !colorway) continue;
      await setSwatch(lib, colorway.id, await trueTilePng(tile), { periodX: tile.periodX, periodY: tile.periodY, origin: 'procedural', confidenceX: null, confidenceY: null });
    }
  }
}

/**
 * Creates a library in `dir` filled with the procedural sample: the source tree is written
 * to a temporary folder in the importer's layout and imported from there, the way an
 * artist's exports would be.
 */
export async function writeSampleLibrary(dir: string, opts: SampleOptions & { onImport?(done: number, total: number): void } = {}): Promise<SampleLibraryResult> {
  const lib: Library = createLibrary(dir);
  const staging = mkdtempSync(join(tmpdir(), 'r2r-sample-'));
  try {
    const { dir: _staged, ...tree } = await writeSampleTree(staging, opts);
    await writeSampleModel(staging, tree.garments);
    const report = await importTree(lib, staging, { onProgress: opts.onImport });
    await storeTrueSwatches(lib, tree.garments, opts.seed ?? DEFAULT_SAMPLE_SEED);
    return { root: lib.root, tree, report: { ...report, source: '(procedural sample)' } };
  } finally {
    lib.close();
    rmSync(staging, { recursive: true, force: true });
  }
}
