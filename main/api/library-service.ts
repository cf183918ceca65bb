import { basename } from 'node:path';
import type { LibraryService } from '../../preload/api/contract';
import type { GarmentDetailRecord, GarmentFilter, GarmentPageRecord, GarmentSummaryRecord, LibraryInfo, RenderRecord } from '../../preload/api/library-types';
import { createLibrary, getGarment, openLibrary, searchGarments, type GarmentSummary, type Library, type Render } from '../catalog/index';
import { chosenShots } from '../catalog/queries/chosen-shots';
import { UserError } from '../common/errors';
import { modelMethods } from './model-methods';
import { addRecent, loadRecent, recentLibrariesFile, saveRecent, type RecentLibrary } from './recent-libraries';

/** what changed in the holder: a library opened or created (its root), or the recent list cleared */
export type LibraryChange = { kind: 'opened' | 'created'; root: string } | { kind: 'recent-cleared' };

/**
 * The backend's one open library and the recent list; services, the file server, the desktop
 * app's protocol and its menus all read it from here.
 */
export class LibraryHolder {
  private lib: Library | undefined;
  private readonly listeners = new Set<(change: LibraryChange) => void>();
  private readonly recentFile: string;

  constructor(opts: { recentFile?: string } = {}) {
    this.recentFile = opts.recentFile ?? recentLibrariesFile();
  }

  get current(): Library | undefined {
    return this.lib;
  }

  require(): Library {
    if (!this.lib) throw new UserError('no-library', 'no library is open', 'Open or create a library folder first (Library view, or `r2r serve --library <folder>`).');
    return this.lib;
  }

  open(path: string): Library {
    return this.swap(openLibrary(path), 'opened');
  }

  create(path: string): Library {
    return this.swap(createLibrary(path), 'created');
  }

  close(): void {
    this.lib?.close();
    this.lib = undefined;
  }

  /** recently opened libraries, newest first; read from the file each time, so other studio processes' opens show too */
  recent(): RecentLibrary[] {
    return loadRecent(this.recentFile);
  }

  clearRecent(): void {
    saveRecent(this.recentFile, []);
    this.changed({ kind: 'recent-cleared' });
  }

  /** called after each change (the desktop app rebuilds its menu and tells the page) */
  onChange(listener: (change: LibraryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private swap(next: Library, kind: 'opened' | 'created'): Library {
    this.lib?.close();
    this.lib = next;
    saveRecent(this.recentFile, addRecent(loadRecent(this.recentFile), next.root));
    this.changed({ kind, root: next.root });
    return next;
  }

  private changed(change: LibraryChange): void {
    for (const l of this.listeners) l(change);
  }
}

function info(lib: Library): LibraryInfo {
  const n = (sql: string) => lib.sql<[], { n: number }>(sql).get()!.n;
  return { root: lib.root, name: basename(lib.root), garments: n('SELECT count(*) AS n FROM garments'), renders: n('SELECT count(*) AS n FROM renders') };
}

function toRenderRecord(r: Render): RenderRecord {
  return { id: r.id, colorwayId: r.colorwayId, colorway: r.colorway, view: r.view, kind: r.kind, renderer: r.renderer, width: r.width, height: r.height, asset: r.asset, path: r.path };
}

function toSummary(g: GarmentSummary): GarmentSummaryRecord {
  return { id: g.id, sku: g.sku, name: g.name, category: g.category, categoryName: g.categoryName, tags: g.tags, renders: g.renders.map(toRenderRecord) };
}

// the catalog's query has no colorway filter yet: garments holding a colorway of that name
function garmentsWithColorway(lib: Library, name: string): Set<number> {
  const rows = lib.sql<[string], { id: number }>('SELECT DISTINCT garment_id AS id FROM colorways WHERE name = ? COLLATE NOCASE').all(name);
  return new Set(rows.map((r) => r.id));
}

function search(lib: Library, f: GarmentFilter): GarmentPageRecord {
  const limit = f.limit ?? 50;
  const offset = f.offset ?? 0;
  const query = {
    ...(f.category ? { category: f.category } : {}),
    ...(f.text ? { text: f.text } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.hasGeneration !== undefined ? { hasGeneration: f.hasGeneration } : {}),
  };
  if (!f.colorway) {
    const page = searchGarments(lib, { ...query, limit, offset });
    return { total: page.total, offset, garments: page.garments.map(toSummary) };
  }
  // walk the other filters' matches in catalog order, keeping those with the colorway
  const wanted = garmentsWithColorway(lib, f.colorway);
  const kept: GarmentSummaryRecord[] = [];
  let total = 0;
  for (let at = 0; wanted.size > 0; at += 1000) {
    const page = searchGarments(lib, { ...query, limit: 1000, offset: at });
    for (const g of page.garments) {
      if (!wanted.has(g.id)) continue;
      if (total >= offset && kept.length < limit) kept.push(toSummary(g));
      total++;
    }
    if (at + 1000 >= page.total) break;
  }
  return { total, offset, garments: kept };
}

export function createLibraryService(holder: LibraryHolder): LibraryService {
  return {
    ...modelMethods(holder),
    current: async () => (holder.current ? info(holder.current) : null),
    open: async (path) => info(holder.open(path)),
    create: async (path) => info(holder.create(path)),
    recent: async () => holder.recent().map((r) => r.path),
    clearRecent: async () => holder.clearRecent(),
    facets: async () => {
      const lib = holder.require();
      const categories = lib
        .sql<[], { slug: string; name: string; n: number }>(
          'SELECT k.slug, k.name, count(g.id) AS n FROM categories k JOIN garments g ON g.category_id = k.id GROUP BY k.id ORDER BY k.name COLLATE NOCASE',
        )
        .all()
        .map((c) => ({ slug: c.slug, name: c.name, garments: c.n }));
      const colorways = lib
        .sql<[], { name: string; n: number }>('SELECT name, count(DISTINCT garment_id) AS n FROM colorways GROUP BY name COLLATE NOCASE ORDER BY name COLLATE NOCASE')
        .all()
        .map((c) => ({ name: c.name, garments: c.n }));
      const kinds = lib.sql<[], { kind: 'raster' | 'raytrace' | 'photo' }>('SELECT DISTINCT kind FROM renders ORDER BY kind').all().map((k) => k.kind);
      return { categories, colorways, kinds };
    },
    search: async (filter) => search(holder.require(), filter),
    garment: async (id): Promise<GarmentDetailRecord> => {
      const lib = holder.require();
      const g = getGarment(lib, id);
      return {
        ...toSummary(g),
        notes: g.notes,
        colorways: g.colorways.map((c) => ({ id: c.id, name: c.name, texture: c.texture })),
        views: g.views.map((v) => ({ slug: v.slug, name: v.name })),
        masks: g.masks.map((m) => ({ id: m.id, renderId: m.renderId, purpose: m.purpose, asset: m.asset, updatedAt: m.updatedAt })),
        generations: g.generations.map((x) => ({
          id: x.id,
          renderId: x.renderId,
          comboId: x.comboId,
          model: x.model,
          params: x.params,
          seed: x.seed,
          status: x.status,
          output: x.output,
          outputPath: x.outputPath,
          createdAt: x.createdAt,
        })),
        chosen: chosenShots(lib, g.renders.map((r) => r.id)),
      };
    },
  };
}
