import { join } from 'node:path';
import { UserError } from '../../common/errors';
import { assetRelativePath, registerAsset } from '../assets';
import type { CatalogDb } from '../database';
import type { Library } from '../library';
import { RENDER_KINDS, viewSlug } from '../vocabulary';
import type { RenderKind } from '../vocabulary';
import type { ComboRenderRecord, OutfitBox } from '../../../preload/api/outfit-types';
import { storeImage } from './assets';
import { ensureView } from './vocabulary';

export interface ComboRenderInput {
  view: string;
  kind: RenderKind;
  /** the image's bytes (any format the library reads) */
  image: Uint8Array;
  sourcePath?: string;
}

interface ComboRenderRow {
  id: number;
  combo_id: number;
  view: string;
  kind: RenderKind;
  width: number;
  height: number;
  hash: string;
  ext: string;
  source_path: string | null;
}

const SELECT = `SELECT cr.id, cr.combo_id, v.slug AS view, cr.kind, cr.width, cr.height, a.hash, a.ext, cr.source_path
  FROM combo_renders cr JOIN views v ON v.id = cr.view_id JOIN assets a ON a.id = cr.asset_id`;

function toRecord(r: ComboRenderRow): ComboRenderRecord {
  return { id: r.id, comboId: r.combo_id, view: r.view, kind: r.kind, width: r.width, height: r.height, asset: r.hash, path: assetRelativePath(r.hash, r.ext), sourcePath: r.source_path };
}

function requireCombo(db: CatalogDb, comboId: number): void {
  if (!db.sql('SELECT 1 FROM combos WHERE id = ?').get(comboId)) throw new UserError('unknown-combo', `no combo #${comboId} in this library`);
}

/**
 * Gives the combo its render for a view and kind (the whole outfit worn, from the 3D tool).
 * One per view and kind: a new image replaces the old one. Returns whether anything changed.
 */
export async function attachComboRender(lib: Library, comboId: number, input: ComboRenderInput): Promise<{ render: ComboRenderRecord; changed: boolean }> {
  requireCombo(lib, comboId);
  if (!RENDER_KINDS.includes(input.kind)) throw new UserError('bad-render-kind', `unknown render kind '${input.kind}'`, `Use one of ${RENDER_KINDS.join(', ')}.`);
  const asset = await storeImage(lib, input.image, `outfit render (${input.view} ${input.kind})`);
  const { viewId, changed } = lib.write(() => {
    const assetId = registerAsset(lib, asset);
    const viewId = ensureView(lib, input.view);
    const changes = lib
      .sql(
        `INSERT INTO combo_renders (combo_id, view_id, kind, width, height, asset_id, source_path) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (combo_id, view_id, kind) DO UPDATE SET width = excluded.width, height = excluded.height, asset_id = excluded.asset_id,
           source_path = excluded.source_path WHERE asset_id <> excluded.asset_id`,
      )
      .run(comboId, viewId, input.kind, asset.width, asset.height, assetId, input.sourcePath ?? null).changes;
    return { viewId, changed: changes > 0 };
  });
  const row = lib.sql<[number, number, string], ComboRenderRow>(`${SELECT} WHERE cr.combo_id = ? AND cr.view_id = ? AND cr.kind = ?`).get(comboId, viewId, input.kind)!;
  return { render: toRecord(row), changed };
}

export function listComboRenders(db: CatalogDb, comboId: number): ComboRenderRecord[] {
  requireCombo(db, comboId);
  return db.sql<[number], ComboRenderRow>(`${SELECT} WHERE cr.combo_id = ? ORDER BY v.sort_order, v.slug, cr.kind`).all(comboId).map(toRecord);
}

export function getComboRender(db: CatalogDb, id: number): ComboRenderRecord {
  const row = db.sql<[number], ComboRenderRow>(`${SELECT} WHERE cr.id = ?`).get(id);
  if (!row) throw new UserError('unknown-combo-render', `no outfit render #${id} in this library`, 'Attach the outfit render to the combo again.');
  return toRecord(row);
}

/** true when there was a render to remove (its image stays until garbage collection) */
export function deleteComboRender(db: CatalogDb, id: number): boolean {
  return db.write(() => db.sql('DELETE FROM combo_renders WHERE id = ?').run(id).changes > 0);
}

const EPS = 1e-6;

/** a box inside the canvas with some area, or a clear error naming the garment */
export function checkOutfitBox(box: OutfitBox, what: string): OutfitBox {
  const { x, y, w, h } = box;
  const ok = [x, y, w, h].every(Number.isFinite) && x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 1 + EPS && y + h <= 1 + EPS;
  if (!ok) throw new UserError('bad-outfit-box', `the box of ${what} (${[x, y, w, h].join(', ')}) is not inside the canvas`, 'Boxes are fractions of the canvas: 0 <= x, y; w, h > 0; x + w <= 1; y + h <= 1.');
  return { x, y, w: Math.min(w, 1 - x), h: Math.min(h, 1 - y) };
}

/** the boxes the artist edited for the combo, by garment id (garments left out keep the auto layout) */
export function getOutfitBoxes(db: CatalogDb, comboId: number): Map<number, OutfitBox> {
  requireCombo(db, comboId);
  const rows = db.sql<[number], { garment_id: number } & OutfitBox>('SELECT garment_id, x, y, w, h FROM combo_layout_boxes WHERE combo_id = ?').all(comboId);
  return new Map(rows.map((r) => [r.garment_id, { x: r.x, y: r.y, w: r.w, h: r.h }]));
}

/** replaces the combo's edited boxes; every garment must be in the combo */
export function saveOutfitBoxes(db: CatalogDb, comboId: number, boxes: { garmentId: number; box: OutfitBox }[]): void {
  db.write(() => {
    requireCombo(db, comboId);
    const inCombo = new Set(db.sql<[number], { garment_id: number }>('SELECT garment_id FROM combo_items WHERE combo_id = ?').all(comboId).map((r) => r.garment_id));
    db.sql('DELETE FROM combo_layout_boxes WHERE combo_id = ?').run(comboId);
    const insert = db.sql('INSERT INTO combo_layout_boxes (combo_id, garment_id, x, y, w, h) VALUES (?, ?, ?, ?, ?, ?)');
    const seen = new Set<number>();
    for (const b of boxes) {
      if (!inCombo.has(b.garmentId)) throw new UserError('bad-outfit-box', `garment #${b.garmentId} is not in combo #${comboId}`, 'Reload the combo: its garments changed.');
      if (seen.has(b.garmentId)) throw new UserError('bad-outfit-box', `garment #${b.garmentId} has two boxes`);
      seen.add(b.garmentId);
      const box = checkOutfitBox(b.box, `garment #${b.garmentId}`);
      insert.run(comboId, b.garmentId, box.x, box.y, box.w, box.h);
    }
  });
}

export interface OutfitGarment {
  garmentId: number;
  sku: string;
  name: string;
  role: string;
  /** the render that shows the garment to the dress shot */
  renderId: number;
  /** the render's image file */
  image: string;
  /** its asset hash */
  asset: string;
}

const KIND_PREFERENCE = `CASE r.kind WHEN 'raytrace' THEN 0 WHEN 'raster' THEN 1 ELSE 2 END`;

/**
 * The image of each garment of the combo, in layer order: a render of the item's colorway
 * (any colorway when the item names none) in `view` if it has one, else front, else any view;
 * ray-traced before raster before photo. Garments without any render are listed as skipped.
 */
export function outfitGarments(lib: Library, comboId: number, view = 'front'): { garments: OutfitGarment[]; skipped: { garmentId: number; sku: string; reason: string }[] } {
  requireCombo(lib, comboId);
  const items = lib
    .sql<[number], { garment_id: number; sku: string; name: string; role: string; colorway_id: number | null }>(
      `SELECT ci.garment_id, g.sku, g.name, ci.role, ci.colorway_id FROM combo_items ci JOIN garments g ON g.id = ci.garment_id
       WHERE ci.combo_id = ? ORDER BY ci.layer, g.sku`,
    )
    .all(comboId);
  const pick = lib.sql<[number, number | null, number | null, string], { id: number; hash: string; ext: string }>(
    `SELECT r.id, a.hash, a.ext FROM renders r JOIN colorways c ON c.id = r.colorway_id JOIN views v ON v.id = r.view_id JOIN assets a ON a.id = r.asset_id
     WHERE c.garment_id = ? AND (? IS NULL OR c.id = ?)
     ORDER BY CASE v.slug WHEN ? THEN 0 WHEN 'front' THEN 1 ELSE 2 END, v.sort_order, ${KIND_PREFERENCE}, r.id LIMIT 1`,
  );
  const garments: OutfitGarment[] = [];
  const skipped: { garmentId: number; sku: string; reason: string }[] = [];
  for (const it of items) {
    const r = pick.get(it.garment_id, it.colorway_id, it.colorway_id, viewSlugOrFront(view));
    if (!r) {
      skipped.push({ garmentId: it.garment_id, sku: it.sku, reason: it.colorway_id === null ? 'the garment has no render' : `colorway #${it.colorway_id} has no render` });
      continue;
    }
    garments.push({ garmentId: it.garment_id, sku: it.sku, name: it.name, role: it.role, renderId: r.id, image: join(lib.root, assetRelativePath(r.hash, r.ext)), asset: r.hash });
  }
  return { garments, skipped };
}

function viewSlugOrFront(view: string): string {
  return viewSlug(view) || 'front';
}
