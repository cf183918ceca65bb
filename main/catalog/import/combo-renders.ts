import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors';
import { attachComboRender } from '../queries/combo-renders';
import { createCombo } from '../queries/combos';
import type { Library } from '../library';
import { parseKind, viewSlug } from '../vocabulary';
import { IMAGE_EXTENSIONS } from './layout';
import type { ImportProblem } from './scan';

/** the import tree's folder of outfit renders: `combos/<combo name>/<view>_<kind>.<ext>` */
export const COMBOS_DIR = 'combos';

export interface ComboRenderImportReport {
  found: number;
  attached: number;
  unchanged: number;
  /** combos named by a folder that the library did not have yet (created empty) */
  combosCreated: string[];
}

/** `front_raster.png` -> view and kind, or why not */
function parseName(file: string): { view: string; kind: NonNullable<ReturnType<typeof parseKind>> } | string {
  const dot = file.lastIndexOf('.');
  const stem = dot > 0 ? file.slice(0, dot) : file;
  const cut = stem.lastIndexOf('_');
  const kind = cut > 0 ? parseKind(stem.slice(cut + 1)) : undefined;
  if (!kind) return `an outfit render is named <view>_<kind>.<ext> (kind raster, raytrace or photo), not '${file}'`;
  const view = stem.slice(0, cut);
  if (!viewSlug(view)) return `'${view}' cannot name a view (it needs letters or digits)`;
  return { view, kind };
}

function comboIdByName(lib: Library, name: string, created: string[]): number {
  const found = lib.sql<[string], { id: number }>('SELECT id FROM combos WHERE lower(trim(name)) = lower(trim(?)) ORDER BY id LIMIT 1').get(name);
  if (found) return found.id;
  created.push(name);
  return createCombo(lib, { name, notes: `created by the import of ${COMBOS_DIR}/${name}/`, items: [] }).id;
}

function listDir(dir: string): { name: string; isDir: boolean }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .map((e) => ({ name: e.name, isDir: e.isDirectory() || (e.isSymbolicLink() && statSync(join(dir, e.name), { throwIfNoEntry: false })?.isDirectory() === true) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Attaches `combos/<name>/<view>_<kind>.<ext>` images to the combo of that name (created when
 * the library has none). A file that cannot be read or named is a problem, not a stop.
 */
export async function importComboRenders(lib: Library, source: string, problems: ImportProblem[], signal?: AbortSignal): Promise<ComboRenderImportReport> {
  const report: ComboRenderImportReport = { found: 0, attached: 0, unchanged: 0, combosCreated: [] };
  const root = join(source, COMBOS_DIR);
  if (statSync(root, { throwIfNoEntry: false })?.isDirectory() !== true) return report;
  for (const combo of listDir(root).filter((e) => e.isDir)) {
    for (const file of listDir(join(root, combo.name)).filter((e) => !e.isDir && IMAGE_EXTENSIONS.includes(e.name.split('.').pop()!.toLowerCase()))) {
      signal?.throwIfAborted();
      const rel = `${COMBOS_DIR}/${combo.name}/${file.name}`;
      const named = parseName(file.name);
      if (typeof named === 'string') {
        problems.push({ file: rel, reason: named });
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(source, rel));
      } catch (err) {
        problems.push({ file: rel, reason: `unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
        continue;
      }
      report.found++;
      try {
        const comboId = comboIdByName(lib, combo.name, report.combosCreated);
        const { changed } = await attachComboRender(lib, comboId, { view: named.view, kind: named.kind, image: bytes, sourcePath: rel });
        if (changed) report.attached++;
        else report.unchanged++;
      } catch (err) {
        if (!(err instanceof UserError && err.code === 'bad-image')) throw err;
        report.found--;
        problems.push({ file: rel, reason: err.message });
      }
    }
  }
  return report;
}
