import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors';
import { slugify, viewSlug } from '../vocabulary';
import { COMBOS_DIR } from './combo-renders';
import { isLabelMaskName } from './label-masks';
import { IMAGE_EXTENSIONS } from './layout';
import { U3M_LIMITS } from './u3m';
import { MATERIAL_FILE_NAMES, namedImagePaths } from './material-import';
import { MODEL_FILE_NAMES } from './model-import';
import { MAX_SIDECAR_BYTES, parseSidecar, SIDECAR_NAME } from './sidecar';
import type { GarmentSidecar } from './sidecar';
import type { Layout, LayoutMatch } from './layout';


export interface SourceFile extends LayoutMatch {
  /** relative to the tree, '/' separators */
  rel: string;
}

export interface SourceGarment {
  sku: string;
  name: string;
  category: string;
  tags: string[];
  notes: string;
  files: SourceFile[];
}

export interface ImportProblem {
  file: string;
  reason: string;
}

export interface ScanResult {
  garments: SourceGarment[];
  /** image files the layout does not describe */
  unmatched: string[];
  problems: ImportProblem[];
  /** 3D model files (model.glb, model.gltf), sorted */
  models: string[];
  /** label masks (`<view>_<kind>.mask.png`), sorted */
  labelMasks: string[];
  /** U3M material files (material.u3m, material.u3ma), sorted; the images a .u3m names are not taken as renders */
  materials: string[];
}

function walk(root: string, rel: string, images: string[], sidecars: string[], models: string[], labelMasks: string[], materials: string[]): void {
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const path = rel ? `${rel}/${e.name}` : e.name;
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) {
      try {
        isDir = statSync(join(root, path)).isDirectory();
      } catch {
        // a dangling link: reported when read, like any unreadable file
      }
    }
    // the top-level combos/ folder holds outfit renders (combo-renders.ts), not garments
    if (isDir) {
      if (rel || e.name.toLowerCase() !== COMBOS_DIR) walk(root, path, images, sidecars, models, labelMasks, materials);
    } else if (MODEL_FILE_NAMES.includes(e.name.toLowerCase())) models.push(path);
    else if (MATERIAL_FILE_NAMES.includes(e.name.toLowerCase())) materials.push(path);
    else if (e.name.toLowerCase() === SIDECAR_NAME) sidecars.push(path);
    else if (isLabelMaskName(e.name)) labelMasks.push(path);
    else if (IMAGE_EXTENSIONS.includes(e.name.split('.').pop()!.toLowerCase())) images.push(path);
  }
}

/** a .u3m's bytes for the scan's look at the images it names; empty when unreadable or too big (its import says why) */
function readMaterialJson(root: string, rel: string): Uint8Array {
  try {
    return statSync(join(root, rel)).size <= U3M_LIMITS.maxJsonBytes ? readFileSync(join(root, rel)) : new Uint8Array();
  } catch {
    return new Uint8Array();
  }
}

function readSidecar(root: string, rel: string, problems: ImportProblem[]): GarmentSidecar | undefined {
  try {
    const size = statSync(join(root, rel)).size;
    if (size > MAX_SIDECAR_BYTES) throw new Error(`${size} bytes, more than a details file holds (${MAX_SIDECAR_BYTES})`);
    return parseSidecar(readFileSync(join(root, rel), 'utf8'));
  } catch (err) {
    problems.push({ file: rel, reason: `garment details ignored: ${(err as Error).message}` });
    return undefined;
  }
}

/** finds the garments in a tree: images matched by the layout, grouped by SKU, sorted */
export function scanTree(root: string, layout: Layout): ScanResult {
  try {
    if (!statSync(root).isDirectory()) throw new Error('not a folder');
  } catch (err) {
    throw new UserError('bad-import-source', `cannot import from ${root}: ${(err as Error).message}`, 'Give the folder that holds the rendered images.');
  }
  const images: string[] = [];
  const sidecarFiles: string[] = [];
  const models: string[] = [];
  const labelMasks: string[] = [];
  const materials: string[] = [];
  walk(root, '', images, sidecarFiles, models, labelMasks, materials);
  const textures = new Set(materials.filter((m) => m.toLowerCase().endsWith('.u3m')).flatMap((m) => namedImagePaths(m, readMaterialJson(root, m))));
  images.splice(0, images.length, ...images.filter((i) => !textures.has(i)).sort());
  const problems: ImportProblem[] = [];
  const sidecars = new Map<string, GarmentSidecar>();
  for (const rel of sidecarFiles.sort()) {
    const s = readSidecar(root, rel, problems);
    if (s) sidecars.set(s.sku.trim().toLowerCase(), s);
  }
  const bySku = new Map<string, SourceGarment>();
  const unmatched: string[] = [];
  for (const rel of images) {
    const m = layout.match(rel);
    if (!m) {
      unmatched.push(rel);
      continue;
    }
    // a name the library cannot turn into a slug would stop the import when written
    if (m.category !== undefined && !slugify(m.category)) {
      problems.push({ file: rel, reason: `the folder name '${m.category}' cannot name a category (it needs letters or digits)` });
      continue;
    }
    if (!viewSlug(m.view)) {
      problems.push({ file: rel, reason: `'${m.view}' cannot name a view (it needs letters or digits)` });
      continue;
    }
    const key = m.sku.toLowerCase();
    let g = bySku.get(key);
    if (!g) {
      const side = sidecars.get(key);
      g = {
        sku: m.sku,
        name: m.name ?? side?.name ?? m.sku,
        category: m.category ?? side?.category ?? 'uncategorized',
        tags: side?.tags ?? [],
        notes: side?.notes ?? '',
        files: [],
      };
      bySku.set(key, g);
    }
    g.files.push({ ...m, rel });
  }
  const garments = [...bySku.values()].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  return { garments, unmatched, problems, models: models.sort(), labelMasks: labelMasks.sort(), materials: materials.sort() };
}
