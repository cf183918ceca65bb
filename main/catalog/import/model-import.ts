import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Library } from '../library';
import { prepareModel, setColorwayModel, variantFor, writeModel } from '../models';
import { MODEL_LIMITS, ModelProblem } from './glb';
import type { Layout } from './layout';
import type { MetadataWriter } from './metadata';
import type { ImportProblem } from './scan';
import { neighbourReader } from './neighbour-files';

/** the file names `r2r import` reads as a colorway's 3D model: `<garment>/<colorway>/model.glb` */
export const MODEL_FILE_NAMES = ['model.glb', 'model.gltf'];

export interface ModelImportReport {
  found: number;
  /** colorways whose model was set or changed */
  assigned: number;
}

/**
 * Imports each model file into the garment and colorway its folder names (the layout read
 * as if the folder held a front raster image). A model with KHR_materials_variants dresses
 * one colorway per variant, of the variant's name; the folder's colorway gets the variant
 * of its own name, else the default materials.
 */
export async function importModels(lib: Library, source: string, layout: Layout, rels: string[], writer: MetadataWriter, problems: ImportProblem[]): Promise<ModelImportReport> {
  const report: ModelImportReport = { found: rels.length, assigned: 0 };
  for (const rel of rels) {
    const slash = rel.lastIndexOf('/');
    const where = layout.match(`${slash < 0 ? '' : rel.slice(0, slash + 1)}front_raster.png`);
    if (!where) {
      problems.push({ file: rel, reason: `a model must sit in a <garment>/<colorway>/ folder the layout '${layout.template}' describes` });
      continue;
    }
    let prepared: Awaited<ReturnType<typeof prepareModel>>;
    try {
      const bytes = readFileSync(join(source, rel));
      prepared = await prepareModel(bytes, neighbourReader(source, rel, MODEL_LIMITS.maxBytes));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (err instanceof ModelProblem || code) {
        problems.push({ file: rel, reason: code ? `unreadable (${code})` : (err as Error).message });
        continue;
      }
      throw err;
    }
    const ref = writeModel(lib.root, prepared.glb);
    const colorways = [where.colorway, ...prepared.summary.variants.filter((v) => v.toLowerCase() !== where.colorway.toLowerCase())];
    writer.write({
      sku: where.sku,
      name: where.name ?? where.sku,
      category: where.category ?? 'uncategorized',
      tags: [],
      notes: '',
      colorways: colorways.map((name) => ({ name, renders: [] })),
    });
    report.assigned += lib.write(() => {
      let changed = 0;
      const garmentId = lib.sql<[string], { id: number }>('SELECT id FROM garments WHERE sku = ?').get(where.sku)!.id;
      for (const name of colorways) {
        const colorwayId = lib.sql<[number, string], { id: number }>('SELECT id FROM colorways WHERE garment_id = ? AND name = ?').get(garmentId, name)!.id;
        if (setColorwayModel(lib, colorwayId, ref, prepared.summary, variantFor(prepared.summary, name), rel)) changed++;
      }
      return changed;
    });
  }
  return report;
}
