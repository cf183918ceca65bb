import { registerAsset } from '../assets';
import type { AssetRef } from '../assets';
import type { CatalogDb } from '../database';
import { addTags } from '../queries/garments';
import { ensureCategory, ensureView } from '../queries/vocabulary';
import type { RenderKind } from '../vocabulary';

/** one garment as an importer found it; assets must already be stored */
export interface GarmentRecord {
  sku: string;
  name: string;
  category: string;
  tags: string[];
  notes: string;
  colorways: ColorwayRecord[];
}

export interface ColorwayRecord {
  name: string;
  renders: RenderRecord[];
}

export interface RenderRecord {
  view: string;
  kind: RenderKind;
  renderer: string;
  width: number;
  height: number;
  asset: AssetRef;
  sourcePath: string | null;
}

export interface GarmentWriteResult {
  sku: string;
  /** the garment was new to the library */
  created: boolean;
  colorwaysAdded: number;
  rendersAdded: number;
}

/**
 * The importer's metadata path: writes garment records (no image work), each in its own
 * transaction. An existing garment keeps its name, notes and category (the artist may have
 * edited them); new tags, colorways and renders are added, known ones left alone.
 */
export class MetadataWriter {
  private categories = new Map<string, number>();
  private views = new Map<string, number>();

  constructor(private readonly db: CatalogDb) {}

  /** writes one garment whole, in one transaction */
  write(rec: GarmentRecord): GarmentWriteResult {
    return this.db.write(() => this.writeInTransaction(rec));
  }

  /** writes many garments in one transaction (bulk loads; all or none) */
  writeMany(recs: GarmentRecord[]): GarmentWriteResult[] {
    return this.db.write(() => recs.map((r) => this.writeInTransaction(r)));
  }

  private categoryId(text: string): number {
    let id = this.categories.get(text);
    if (id === undefined) this.categories.set(text, (id = ensureCategory(this.db, text)));
    return id;
  }

  private viewId(text: string): number {
    let id = this.views.get(text);
    if (id === undefined) this.views.set(text, (id = ensureView(this.db, text)));
    return id;
  }

  private writeInTransaction(rec: GarmentRecord): GarmentWriteResult {
    const db = this.db;
    const inserted = db
      .sql<unknown[], { id: number }>('INSERT INTO garments (sku, name, category_id, notes) VALUES (?, ?, ?, ?) ON CONFLICT (sku) DO NOTHING RETURNING id')
      .get(rec.sku, rec.name, this.categoryId(rec.category), rec.notes);
    const garmentId = inserted?.id ?? db.sql<[string], { id: number }>('SELECT id FROM garments WHERE sku = ?').get(rec.sku)!.id;
    // known tags are ignored without touching the search index
    addTags(db, garmentId, rec.tags);
    let colorwaysAdded = 0;
    let rendersAdded = 0;
    const addColorway = db.sql<unknown[], { id: number }>('INSERT INTO colorways (garment_id, name) VALUES (?, ?) ON CONFLICT (garment_id, name) DO NOTHING RETURNING id');
    const findColorway = db.sql<unknown[], { id: number }>('SELECT id FROM colorways WHERE garment_id = ? AND name = ?');
    const addRender = db.sql(
      `INSERT INTO renders (colorway_id, view_id, kind, renderer, width, height, asset_id, source_path)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (colorway_id, view_id, kind, asset_id) DO NOTHING`,
    );
    for (const cw of rec.colorways) {
      const added = addColorway.get(garmentId, cw.name);
      if (added) colorwaysAdded++;
      const colorwayId = added?.id ?? findColorway.get(garmentId, cw.name)!.id;
      for (const r of cw.renders) {
        const assetId = registerAsset(db, { ...r.asset, width: r.width, height: r.height });
        rendersAdded += addRender.run(colorwayId, this.viewId(r.view), r.kind, r.renderer, r.width, r.height, assetId, r.sourcePath).changes;
      }
    }
    if (!inserted && (colorwaysAdded || rendersAdded)) {
      db.sql(`UPDATE garments SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`).run(garmentId);
    }
    return { sku: rec.sku, created: Boolean(inserted), colorwaysAdded, rendersAdded };
  }
}

/**
 * Groups whole garments into fewer transactions: a commit costs more than a garment's rows,
 * so the importer commits every `maxGarments` garments or `maxMs` milliseconds, whichever
 * comes first. Each garment is still all-or-nothing; a crash loses at most the open batch,
 * which the next import writes again.
 */
export class GarmentBatch {
  private pending: GarmentRecord[] = [];
  private since = performance.now();

  constructor(
    private readonly writer: MetadataWriter,
    private readonly limits: { maxGarments: number; maxMs: number } = { maxGarments: 64, maxMs: 250 },
  ) {}

  /** queues a garment; returns the results of a batch when this one closed it */
  add(rec: GarmentRecord): GarmentWriteResult[] {
    this.pending.push(rec);
    if (this.pending.length >= this.limits.maxGarments || performance.now() - this.since >= this.limits.maxMs) return this.flush();
    return [];
  }

  flush(): GarmentWriteResult[] {
    const recs = this.pending;
    this.pending = [];
    this.since = performance.now();
    return recs.length ? this.writer.writeMany(recs) : [];
  }
}
