import { UserError } from '../../common/errors';
import type { CatalogDb } from '../database';
import type { Colorway, Garment, GarmentDetail, GarmentPage, GarmentQuery, GarmentSummary, View } from '../types';
import { RENDER_KINDS } from '../vocabulary';
import { ensureCategory, requireCategory } from './vocabulary';
import { GENERATION_SELECT, MASK_SELECT, RENDER_COLUMNS, RENDER_FROM, RENDER_ORDER, toGeneration, toMask, toRender } from './rows';
import type { GenerationRow, MaskRow, RenderRow } from './rows';

interface GarmentRow {
  id: number;
  sku: string;
  name: string;
  category: string;
  category_name: string;
  notes: string;
  created_at: string;
  updated_at: string;
}

const GARMENT_SELECT = `SELECT g.id, g.sku, g.name, k.slug AS category, k.name AS category_name, g.notes, g.created_at, g.updated_at
  FROM garments g JOIN categories k ON k.id = g.category_id`;

const MAX_PAGE = 1000;

/**
 * Words of free text as an FTS5 query: each word a quoted prefix, all required. Quoting
 * keeps FTS syntax (AND, NEAR, ", *) in user input from being read as operators.
 */
export function ftsQuery(text: string): string | undefined {
  const words = text.normalize('NFKC').split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  return words.length ? words.map((w) => `"${w}"*`).join(' ') : undefined;
}

function tagsOf(db: CatalogDb, ids: number[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const rows = db
    .sql<[string], { garment_id: number; tag: string }>('SELECT garment_id, tag FROM garment_tags WHERE garment_id IN (SELECT value FROM json_each(?)) ORDER BY garment_id, tag')
    .all(JSON.stringify(ids));
  for (const r of rows) {
    const list = out.get(r.garment_id) ?? [];
    list.push(r.tag);
    out.set(r.garment_id, list);
  }
  return out;
}

function toGarment(r: GarmentRow, tags: string[]): Garment {
  return {
    id: r.id,
    sku: r.sku,
    name: r.name,
    category: r.category,
    categoryName: r.category_name,
    tags,
    notes: r.notes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const TEXT_COLUMNS = '{sku name tags category}';

/** garment ids made by a finished generation: from one of their renders, or a combo holding them */
const GENERATED = `SELECT w.garment_id FROM generations x JOIN renders r ON r.id = x.render_id
    JOIN colorways w ON w.id = r.colorway_id WHERE x.status = 'done'
  UNION SELECT ci.garment_id FROM generations x JOIN combo_items ci ON ci.combo_id = x.combo_id WHERE x.status = 'done'`;

/**
 * One page of garments matching every given filter, with the total count of matches.
 * Text, category and kind become one fts5 query (posting lists intersect in the index);
 * a category alone walks the category index in SKU order instead.
 */
export function searchGarments(db: CatalogDb, q: GarmentQuery = {}): GarmentPage {
  const where: string[] = [];
  const args: unknown[] = [];
  const category = q.category === undefined ? undefined : requireCategory(db, q.category);
  if (q.kind !== undefined && !RENDER_KINDS.includes(q.kind)) {
    throw new UserError('bad-kind', `unknown render kind '${q.kind}'`, `Use one of ${RENDER_KINDS.join(', ')}.`);
  }
  const text = q.text === undefined ? undefined : ftsQuery(q.text);
  let match: string | undefined;
  if (text || q.kind !== undefined) {
    match = [
      text && `${TEXT_COLUMNS} : (${text})`,
      category && `facets : "c${category.id}"`,
      q.kind !== undefined && `facets : "k${q.kind}"`,
    ]
      .filter(Boolean)
      .join(' AND ');
    where.push('g.id IN (SELECT rowid FROM garment_search WHERE garment_search MATCH ?)');
    args.push(match);
  } else if (category) {
    where.push('g.category_id = ?');
    args.push(category.id);
  }
  if (q.hasGeneration !== undefined) where.push(`g.id ${q.hasGeneration ? 'IN' : 'NOT IN'} (${GENERATED})`);
  if (q.tag !== undefined) {
    where.push('EXISTS (SELECT 1 FROM garment_tags t WHERE t.garment_id = g.id AND t.tag = ?)');
    args.push(q.tag);
  }
  const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(q.limit ?? 50)));
  const offset = Math.max(0, Math.floor(q.offset ?? 0));
  const order = { sku: 'g.sku', name: 'g.name COLLATE NOCASE, g.sku', created: 'g.created_at, g.id' }[q.orderBy ?? 'sku'];
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';

  // when the index alone decides, it counts without visiting the garments
  const total =
    match !== undefined && where.length === 1
      ? db.sql<[string], { n: number }>('SELECT count(*) AS n FROM garment_search WHERE garment_search MATCH ?').get(match)!.n
      : db.sql<unknown[], { n: number }>(`SELECT count(*) AS n FROM garments g ${filter}`).get(...args)!.n;
  const rows = db.sql<unknown[], GarmentRow>(`${GARMENT_SELECT} ${filter} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...args, limit, offset);
  if (rows.length === 0) return { total, garments: [] };

  const ids = rows.map((r) => r.id);
  const tags = tagsOf(db, ids);
  const renders = new Map<number, GarmentSummary['renders']>();
  const kindFilter = q.kind !== undefined ? 'AND r.kind = ?' : '';
  const renderRows = db
    .sql<unknown[], RenderRow>(`SELECT ${RENDER_COLUMNS} FROM ${RENDER_FROM} WHERE c.garment_id IN (SELECT value FROM json_each(?)) ${kindFilter} ORDER BY ${RENDER_ORDER}`)
    .all(JSON.stringify(ids), ...(q.kind !== undefined ? [q.kind] : []));
  for (const r of renderRows) {
    const list = renders.get(r.garment_id) ?? [];
    list.push(toRender(r));
    renders.set(r.garment_id, list);
  }
  return {
    total,
    garments: rows.map((r) => ({ ...toGarment(r, tags.get(r.id) ?? []), renders: renders.get(r.id) ?? [] })),
  };
}

function garmentRow(db: CatalogDb, idOrSku: number | string): GarmentRow {
  const row =
    typeof idOrSku === 'number'
      ? db.sql<[number], GarmentRow>(`${GARMENT_SELECT} WHERE g.id = ?`).get(idOrSku)
      : db.sql<[string], GarmentRow>(`${GARMENT_SELECT} WHERE g.sku = ?`).get(idOrSku);
  if (!row) throw new UserError('unknown-garment', `no garment ${typeof idOrSku === 'number' ? `#${idOrSku}` : `'${idOrSku}'`} in this library`);
  return row;
}

/** a garment (by id or SKU) with its colorways, views, renders, masks and generations */
export function getGarment(db: CatalogDb, idOrSku: number | string): GarmentDetail {
  const row = garmentRow(db, idOrSku);
  const id = row.id;
  const colorways = db
    .sql<[number], { id: number; garment_id: number; name: string; texture: string | null }>(
      `SELECT c.id, c.garment_id, c.name, a.hash AS texture FROM colorways c LEFT JOIN assets a ON a.id = c.texture_asset_id
       WHERE c.garment_id = ? ORDER BY c.name`,
    )
    .all(id)
    .map((c): Colorway => ({ id: c.id, garmentId: c.garment_id, name: c.name, texture: c.texture }));
  const renders = db.sql<[number], RenderRow>(`SELECT ${RENDER_COLUMNS} FROM ${RENDER_FROM} WHERE c.garment_id = ? ORDER BY ${RENDER_ORDER}`).all(id).map(toRender);
  const views = db
    .sql<[number], { id: number; slug: string; name: string; builtin: number }>(
      `SELECT DISTINCT v.id, v.slug, v.name, v.builtin, v.sort_order FROM views v JOIN renders r ON r.view_id = v.id
       JOIN colorways c ON c.id = r.colorway_id WHERE c.garment_id = ? ORDER BY v.sort_order, v.slug`,
    )
    .all(id)
    .map((v): View => ({ id: v.id, slug: v.slug, name: v.name, builtin: v.builtin === 1 }));
  const masks = db
    .sql<[number], MaskRow>(`${MASK_SELECT} JOIN renders r ON r.id = m.render_id JOIN colorways c ON c.id = r.colorway_id WHERE c.garment_id = ? ORDER BY m.render_id, m.purpose`)
    .all(id)
    .map(toMask);
  const generations = db
    .sql<[number, number], GenerationRow>(
      `${GENERATION_SELECT} WHERE x.render_id IN (SELECT r.id FROM renders r JOIN colorways c ON c.id = r.colorway_id WHERE c.garment_id = ?)
       OR x.combo_id IN (SELECT combo_id FROM combo_items WHERE garment_id = ?) ORDER BY x.id`,
    )
    .all(id, id)
    .map(toGeneration);
  return { ...toGarment(row, tagsOf(db, [id]).get(id) ?? []), colorways, views, renders, masks, generations };
}

export interface GarmentPatch {
  name?: string;
  category?: string;
  notes?: string;
  /** replaces the tag set */
  tags?: string[];
}

export function updateGarment(db: CatalogDb, idOrSku: number | string, patch: GarmentPatch): GarmentDetail {
  const id = garmentRow(db, idOrSku).id;
  db.write(() => {
    if (patch.name !== undefined) db.sql('UPDATE garments SET name = ? WHERE id = ?').run(patch.name, id);
    if (patch.notes !== undefined) db.sql('UPDATE garments SET notes = ? WHERE id = ?').run(patch.notes, id);
    if (patch.category !== undefined) db.sql('UPDATE garments SET category_id = ? WHERE id = ?').run(ensureCategory(db, patch.category), id);
    if (patch.tags !== undefined) setTags(db, id, patch.tags);
    db.sql(`UPDATE garments SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`).run(id);
  });
  return getGarment(db, id);
}

/** replaces a garment's tags (trimmed, empty ones dropped, case-insensitive duplicates merged) */
export function setTags(db: CatalogDb, garmentId: number, tags: string[]): void {
  db.sql('DELETE FROM garment_tags WHERE garment_id = ?').run(garmentId);
  addTags(db, garmentId, tags);
}

export function addTags(db: CatalogDb, garmentId: number, tags: string[]): void {
  const insert = db.sql('INSERT OR IGNORE INTO garment_tags (garment_id, tag) VALUES (?, ?)');
  for (const t of tags) {
    const tag = t.trim();
    if (tag) insert.run(garmentId, tag);
  }
}

/** removes a garment with its colorways, renders, masks and generations (asset files stay) */
export function deleteGarment(db: CatalogDb, idOrSku: number | string): void {
  const id = garmentRow(db, idOrSku).id;
  db.write(() => db.sql('DELETE FROM garments WHERE id = ?').run(id));
}

/** every tag in the library with how many garments carry it, most used first */
export function listTags(db: CatalogDb): Array<{ tag: string; garments: number }> {
  return db.sql<[], { tag: string; garments: number }>('SELECT tag, count(*) AS garments FROM garment_tags GROUP BY tag ORDER BY garments DESC, tag').all();
}
