import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../common/errors';
import type { Library } from '../library';
import { getRenderLabels, setRenderLabels } from '../queries/region-presets';
import { IMAGE_EXTENSIONS } from './layout';
import type { ImportProblem } from './scan';

/** `<view>_<kind>.mask.png` beside `<view>_<kind>.png`: the render's label mask (colours: preload/api/region-types.ts LABEL_COLOURS) */
export const LABEL_MASK_SUFFIX = '.mask.png';

export function isLabelMaskName(name: string): boolean {
  return name.toLowerCase().endsWith(LABEL_MASK_SUFFIX);
}

export interface LabelMaskImportReport {
  found: number;
  attached: number;
  unchanged: number;
}

/**
 * Attaches each label mask of the tree to the render imported from the image beside it (same
 * name without `.mask`, any image extension). A mask without its render, of another size or
 * not a PNG is reported and skipped; the render keeps what it had.
 */
export async function importLabelMasks(lib: Library, source: string, files: string[], problems: ImportProblem[], signal?: AbortSignal): Promise<LabelMaskImportReport> {
  const report: LabelMaskImportReport = { found: files.length, attached: 0, unchanged: 0 };
  const byPath = lib.sql<[string], { id: number }>('SELECT id FROM renders WHERE source_path = ? ORDER BY id');
  for (const rel of files) {
    signal?.throwIfAborted();
    const stem = rel.slice(0, rel.length - LABEL_MASK_SUFFIX.length);
    const renders = IMAGE_EXTENSIONS.flatMap((ext) => byPath.all(`${stem}.${ext}`));
    if (renders.length === 0) {
      problems.push({ file: rel, reason: `label mask without its render: no ${stem}.png (or another image) was imported` });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(join(source, rel));
    } catch (err) {
      problems.push({ file: rel, reason: `unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      continue;
    }
    for (const r of renders) {
      try {
        const before = getRenderLabels(lib, r.id)?.asset;
        const after = await setRenderLabels(lib, r.id, bytes);
        if (before === after.asset) report.unchanged++;
        else report.attached++;
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        problems.push({ file: rel, reason: `label mask skipped: ${err.message}` });
      }
    }
  }
  return report;
}
