import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256, writeAsset } from '../assets';
import { decodeImage, ImageProblem } from '../images';
import type { Library } from '../library';
import { importComboRenders } from './combo-renders';
import type { ComboRenderImportReport } from './combo-renders';
import { compileLayout } from './layout';
import { GarmentBatch, MetadataWriter } from './metadata';
import type { ColorwayRecord, GarmentRecord, GarmentWriteResult, RenderRecord } from './metadata';
import { importLabelMasks, type LabelMaskImportReport } from './label-masks';
import { importMaterials } from './material-import';
import type { MaterialImportReport } from './material-import';
import { importModels } from './model-import';
import type { ModelImportReport } from './model-import';
import { scanTree } from './scan';
import type { ImportProblem, SourceFile, SourceGarment } from './scan';

export interface ImportOptions {
  /** layout template (default: DEFAULT_LAYOUT) */
  layout?: string;
  /** called after each image file */
  onProgress?(done: number, total: number, sku: string): void;
  /** stops between garments: what was committed stays, nothing half-done */
  signal?: AbortSignal;
  /** images decoded at once (sharp works on libuv's threads) */
  concurrency?: number;
}

export interface ImportReport {
  source: string;
  layout: string;
  garments: { found: number; added: number; updated: number; unchanged: number };
  renders: { found: number; added: number; existing: number };
  /** images that could not be read or decoded, one by one; they were skipped */
  problems: ImportProblem[];
  /** image files the layout does not describe */
  unmatched: string[];
  /** `<garment>/<colorway>/model.glb` files: read, and colorways given a model */
  models: ModelImportReport;
  /** `<garment>/<colorway>/material.u3m|.u3ma` files: read, and colorways given a material */
  materials: MaterialImportReport;
  /** `combos/<name>/<view>_<kind>.png` outfit renders attached to their combos */
  comboRenders: ComboRenderImportReport;
  /** `<view>_<kind>.mask.png` label masks attached to the render beside them */
  labelMasks: LabelMaskImportReport;
}

interface ReadyImage {
  file: SourceFile;
  render: RenderRecord;
}

async function prepare(lib: Library, source: string, file: SourceFile): Promise<ReadyImage | ImportProblem> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(source, file.rel));
  } catch (err) {
    return { file: file.rel, reason: `unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  try {
    const img = await decodeImage(bytes);
    const asset = writeAsset(lib.root, bytes, img.ext, sha256(bytes));
    return {
      file,
      render: { view: file.view, kind: file.kind, renderer: file.renderer, width: img.width, height: img.height, asset, sourcePath: file.rel },
    };
  } catch (err) {
    if (err instanceof ImageProblem) return { file: file.rel, reason: err.message };
    throw err;
  }
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function toRecord(g: SourceGarment, ready: ReadyImage[]): GarmentRecord {
  const colorways = new Map<string, ColorwayRecord>();
  for (const r of ready) {
    let cw = colorways.get(r.file.colorway);
    if (!cw) colorways.set(r.file.colorway, (cw = { name: r.file.colorway, renders: [] }));
    cw.renders.push(r.render);
  }
  return { sku: g.sku, name: g.name, category: g.category, tags: g.tags, notes: g.notes, colorways: [...colorways.values()] };
}

/**
 * Imports a tree of rendered images. Per garment: every image is read and fully decoded,
 * stored as an asset, then the garment's rows are written whole in a transaction (a few
 * garments share one, see GarmentBatch). A crash
 * leaves whole garments (and possibly unreferenced asset files, which are harmless);
 * importing again completes the rest and adds nothing twice.
 */
export async function importTree(lib: Library, source: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const layout = compileLayout(opts.layout);
  const scan = scanTree(source, layout);
  const total = scan.garments.reduce((n, g) => n + g.files.length, 0);
  const report: ImportReport = {
    source,
    layout: layout.template,
    garments: { found: scan.garments.length, added: 0, updated: 0, unchanged: 0 },
    renders: { found: 0, added: 0, existing: 0 },
    problems: [...scan.problems],
    unmatched: scan.unmatched,
    models: { found: scan.models.length, assigned: 0 },
    materials: { found: scan.materials.length, assigned: 0 },
    comboRenders: { found: 0, attached: 0, unchanged: 0, combosCreated: [] },
    labelMasks: { found: scan.labelMasks.length, attached: 0, unchanged: 0 },
  };
  const writer = new MetadataWriter(lib);
  const batch = new GarmentBatch(writer);
  const found = new Map<string, number>();
  const tally = (results: GarmentWriteResult[]) => {
    for (const w of results) {
      report.renders.added += w.rendersAdded;
      report.renders.existing += found.get(w.sku)! - w.rendersAdded;
      if (w.created) report.garments.added++;
      else if (w.rendersAdded || w.colorwaysAdded) report.garments.updated++;
      else report.garments.unchanged++;
    }
  };
  let done = 0;
  opts.onProgress?.(0, total, '');
  try {
    for (const g of scan.garments) {
      opts.signal?.throwIfAborted();
      const results = await mapLimited(g.files, opts.concurrency ?? 4, async (f) => {
        const r = await prepare(lib, source, f);
        opts.onProgress?.(++done, total, g.sku);
        return r;
      });
      const ready = results.filter((r): r is ReadyImage => 'render' in r);
      report.problems.push(...results.filter((r): r is ImportProblem => !('render' in r)));
      report.renders.found += ready.length;
      if (ready.length === 0) continue;
      found.set(g.sku, ready.length);
      tally(batch.add(toRecord(g, ready)));
    }
  } finally {
    // garments already prepared are whole: commit them even when cancelled
    tally(batch.flush());
  }
  opts.signal?.throwIfAborted();
  // after the images, so a model's garment takes the name and category its images' details give
  report.models = await importModels(lib, source, layout, scan.models, writer, report.problems);
  report.materials = importMaterials(lib, source, layout, scan.materials, writer, report.problems);
  report.comboRenders = await importComboRenders(lib, source, report.problems, opts.signal);
  report.labelMasks = await importLabelMasks(lib, source, scan.labelMasks, report.problems, opts.signal);
  return report;
}
