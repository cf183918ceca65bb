import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ASSETS_DIR, isAssetLeftover } from './assets';
import type { Library } from './library';
import { MATERIALS_DIR } from './materials';
import { MODELS_DIR } from './models';

export interface GarbageReport {
  rows: number;
  files: number;
  bytes: number;
}

const REFERENCED = `SELECT asset_id FROM renders
  UNION SELECT asset_id FROM masks
  UNION SELECT asset_id FROM render_labels
  UNION SELECT asset_id FROM combo_renders
  UNION SELECT texture_asset_id FROM colorways WHERE texture_asset_id IS NOT NULL
  UNION SELECT output_asset_id FROM generations WHERE output_asset_id IS NOT NULL`;

/** content-addressed folders outside assets/ (`<dir>/ab/cdef....<ext>`) and the table naming their files */
const HASHED_FILES = [
  { dir: MODELS_DIR, table: 'garment_models' },
  { dir: MATERIALS_DIR, table: 'garment_materials' },
] as const;

/** removes each `<dir>/ab/<rest>` file older than `cutoff` that is a temporary leftover or whose hash is not in `kept` */
function sweepHashed(root: string, kept: (hash: string) => boolean, cutoff: number, report: GarbageReport): void {
  let prefixes: string[];
  try {
    prefixes = readdirSync(root);
  } catch {
    return; // a library that never stored one has no folder
  }
  for (const prefix of prefixes) {
    if (!/^[0-9a-f]{2}$/.test(prefix) || !lstatSync(join(root, prefix)).isDirectory()) continue;
    for (const name of readdirSync(join(root, prefix))) {
      const path = join(root, prefix, name);
      const st = lstatSync(path);
      if (!st.isFile() || st.mtimeMs > cutoff) continue;
      if (isAssetLeftover(name) || !kept(prefix + name.split('.')[0])) {
        rmSync(path, { force: true });
        report.files++;
        report.bytes += st.size;
      }
    }
  }
}

/**
 * Removes assets nothing refers to: rows no record names, files no row names (left by an
 * import that was killed before its commit) and stale temporary files; the same for the 3D
 * models and U3M materials no colorway names any more. Links planted in
 * the folder are left alone (neither followed nor counted). Only what is older
 * than `minAgeMs` goes, so an import running elsewhere (files written, commit pending)
 * keeps its files.
 */
export function collectGarbage(lib: Library, opts: { minAgeMs?: number } = {}): GarbageReport {
  const cutoff = Date.now() - (opts.minAgeMs ?? 3_600_000);
  const report: GarbageReport = { rows: 0, files: 0, bytes: 0 };
  report.rows = lib.write(
    () => lib.sql(`DELETE FROM assets WHERE id NOT IN (${REFERENCED}) AND created_at <= ?`).run(new Date(cutoff).toISOString()).changes,
  );
  const known = lib.sql<[string], { n: number }>('SELECT count(*) AS n FROM assets WHERE hash = ?');
  sweepHashed(join(lib.root, ASSETS_DIR), (hash) => known.get(hash)!.n > 0, cutoff, report);
  for (const { dir, table } of HASHED_FILES) {
    const named = lib.sql<[string], { n: number }>(`SELECT count(*) AS n FROM ${table} WHERE hash = ?`);
    sweepHashed(join(lib.root, dir), (hash) => named.get(hash)!.n > 0, cutoff, report);
  }
  return report;
}
