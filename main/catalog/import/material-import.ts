import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Library } from '../library';
import { setColorwayMaterial, writeMaterial } from '../materials';
import type { Layout } from './layout';
import type { MetadataWriter } from './metadata';
import type { ImportProblem } from './scan';
import { neighbourReader } from './neighbour-files';
import { MaterialProblem, packU3ma, U3M_LIMITS } from './u3m';

/** the file names `r2r import` reads as a colorway's U3M material: `<garment>/<colorway>/material.u3m` (images beside it) or `material.u3ma` */
export const MATERIAL_FILE_NAMES = ['material.u3m', 'material.u3ma'];

export interface MaterialImportReport {
  found: number;
  /** colorways whose material was set or changed */
  assigned: number;
}

/**
 * The image paths (relative to the source folder) a .u3m's JSON names, so the scan does not
 * take a texture such as `base_color.png` for a render; none when the JSON does not parse
 * (the material's import reports why).
 */
export function namedImagePaths(materialRel: string, bytes: Uint8Array): string[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes).replace(/^\uFEFF/, ''));
  } catch {
    return [];
  }
  const dir = dirname(materialRel) === '.' ? '' : `${dirname(materialRel)}/`;
  const found: string[] = [];
  const visit = (v: unknown, key: string) => {
    if (Array.isArray(v)) v.forEach((x) => visit(x, key));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) visit(x, k);
    else if (key === 'path' && typeof v === 'string' && v) found.push(`${dir}${v.replace(/\\/g, '/').replace(/^\.\//, '')}`);
  };
  visit(json, '');
  return found;
}

/**
 * Imports each material file into the colorway its folder names (the layout read as if the
 * folder held a front raster image): validated, packed into one .u3ma with exactly the images
 * it names, stored under its hash. A bad material is one problem for its file; the rest of
 * the import goes on.
 */
export function importMaterials(lib: Library, source: string, layout: Layout, rels: string[], writer: MetadataWriter, problems: ImportProblem[]): MaterialImportReport {
  const report: MaterialImportReport = { found: rels.length, assigned: 0 };
  const byFolder = new Map<string, string[]>();
  for (const rel of rels) {
    const folder = dirname(rel);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), rel]);
  }
  for (const rel of rels) {
    const slash = rel.lastIndexOf('/');
    const where = layout.match(`${slash < 0 ? '' : rel.slice(0, slash + 1)}front_raster.png`);
    if (!where) {
      problems.push({ file: rel, reason: `a material must sit in a <garment>/<colorway>/ folder the layout '${layout.template}' describes` });
      continue;
    }
    if (byFolder.get(dirname(rel))!.length > 1) {
      problems.push({ file: rel, reason: 'the folder holds both material.u3m and material.u3ma: keep one' });
      continue;
    }
    let packed: ReturnType<typeof packU3ma>;
    try {
      const bytes = readFileSync(join(source, rel));
      packed = packU3ma(bytes, rel.toLowerCase().endsWith('.u3ma') ? undefined : neighbourReader(source, rel, U3M_LIMITS.maxArchiveBytes));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (err instanceof MaterialProblem || code) {
        problems.push({ file: rel, reason: code ? `unreadable (${code})` : (err as Error).message });
        continue;
      }
      throw err;
    }
    const ref = writeMaterial(lib.root, packed.u3ma);
    writer.write({ sku: where.sku, name: where.name ?? where.sku, category: where.category ?? 'uncategorized', tags: [], notes: '', colorways: [{ name: where.colorway, renders: [] }] });
    const changed = lib.write(() => {
      const garmentId = lib.sql<[string], { id: number }>('SELECT id FROM garments WHERE sku = ?').get(where.sku)!.id;
      const colorwayId = lib.sql<[number, string], { id: number }>('SELECT id FROM colorways WHERE garment_id = ? AND name = ?').get(garmentId, where.colorway)!.id;
      return setColorwayMaterial(lib, colorwayId, ref, packed.material.name, rel);
    });
    if (changed) report.assigned++;
  }
  return report;
}
