import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ASSETS_DIR, isAssetLeftover } from './assets';
import type { Library } from './library';

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

/**
 * Removes assets nothing refers to: rows no record names, files no row names (left by an
 * import that was killed before its commit) and stale temporary files. Links planted in
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
  const root = join(lib.root, ASSETS_DIR);
  for (const prefix of readdirSync(root)) {
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
    for (const name of readdirSync(join(root, prefix))) {
      const path = join(root, prefix, name);
      const st = lstatSync(path);
      if (!st.isFile() || st.mtimeMs > cutoff) continue;
      if (isAssetLeftover(name) || known.get(prefix + name.split('.')[0])!.n === 0) {
        rmSync(path, { force: true });
        report.files++;
        report.bytes += st.size;
      }
    }
  }
  return report;
}
