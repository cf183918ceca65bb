import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importTree } from '../import/importer';
import type { ImportReport } from '../import/importer';
import { createLibrary } from '../library';
import type { Library } from '../library';
import { writeSampleTree } from './sample-tree';
import type { SampleOptions, SampleTree } from './sample-tree';

export interface SampleLibraryResult {
  root: string;
  tree: Omit<SampleTree, 'dir'>;
  report: ImportReport;
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
    const report = await importTree(lib, staging, { onProgress: opts.onImport });
    return { root: lib.root, tree, report: { ...report, source: '(procedural sample)' } };
  } finally {
    lib.close();
    rmSync(staging, { recursive: true, force: true });
  }
}
