import { UserError } from '../../common/errors';
import type { CatalogDb } from '../database';
import type { Combo, ComboItem } from '../types';
import { COMBO_ROLES } from '../vocabulary';
import type { ComboRole } from '../vocabulary';

export interface ComboItemInput {
  /** garment id or SKU */
  garment: number | string;
  colorwayId?: number | null;
  role: ComboRole;
  /** drawing order; defaults to the item's position in the list */
  layer?: number;
}

export interface ComboInput {
  name: string;
  notes?: string;
  items: ComboItemInput[];
}

interface ComboRow {
  id: number;
  name: string;
  notes: string;
  created_at: string;
  updated_at: string;
}

function garmentId(db: CatalogDb, g: number | string): number {
  const row =
    typeof g === 'number'
      ? db.sql<[number], { id: number }>('SELECT id FROM garments WHERE id = ?').get(g)
      : db.sql<[string], { id: number }>('SELECT id FROM garments WHERE sku = ?').get(g);
  if (!row) throw new UserError('unknown-garment', `no garment ${typeof g === 'number' ? `#${g}` : `'${g}'`} in this library`);
  return row.id;
}

function writeItems(db: CatalogDb, comboId: number, items: ComboItemInput[]): void {
  db.sql('DELETE FROM combo_items WHERE combo_id = ?').run(comboId);
  const insert = db.sql('INSERT INTO combo_items (combo_id, garment_id, colorway_id, role, layer) VALUES (?, ?, ?, ?, ?)');
  const seen = new Set<number>();
  items.forEach((item, i) => {
    if (!COMBO_ROLES.includes(item.role)) throw new UserError('bad-combo-role', `unknown combo role '${item.role}'`, `Use one of ${COMBO_ROLES.join(', ')}.`);
    const gid = garmentId(db, item.garment);
    if (seen.has(gid)) throw new UserError('duplicate-combo-garment', `garment ${item.garment} appears twice in the combo`);
    seen.add(gid);
    const colorway = item.colorwayId ?? null;
    if (colorway !== null && !db.sql('SELECT 1 FROM colorways WHERE id = ? AND garment_id = ?').get(colorway, gid)) {
      throw new UserError('bad-combo-colorway', `colorway #${colorway} does not belong to garment ${item.garment}`);
    }
    const layer = item.layer ?? i;
    if (!Number.isInteger(layer)) throw new UserError('bad-combo-layer', `layer must be an integer, got ${layer}`);
    insert.run(comboId, gid, colorway, item.role, layer);
  });
}

export function createCombo(db: CatalogDb, input: ComboInput): Combo {
  const id = db.write(() => {
    const id = Number(db.sql('INSERT INTO combos (name, notes) VALUES (?, ?)').run(input.name, input.notes ?? '').lastInsertRowid);
    writeItems(db, id, input.items);
    return id;
  });
  return getCombo(db, id);
}

export function getCombo(db: CatalogDb, id: number): Combo {
  const row = db.sql<[number], ComboRow>('SELECT id, name, notes, created_at, updated_at FROM combos WHERE id = ?').get(id);
  if (!row) throw new UserError('unknown-combo', `no combo #${id} in this library`);
  const items = db
    .sql<[number], { garment_id: number; sku: string; colorway_id: number | null; role: ComboRole; layer: number }>(
      `SELECT ci.garment_id, g.sku, ci.colorway_id, ci.role, ci.layer FROM combo_items ci JOIN garments g ON g.id = ci.garment_id
       WHERE ci.combo_id = ? ORDER BY ci.layer, g.sku`,
    )
    .all(id)
    .map((r): ComboItem => ({ garmentId: r.garment_id, sku: r.sku, colorwayId: r.colorway_id, role: r.role, layer: r.layer }));
  return { id: row.id, name: row.name, notes: row.notes, items, createdAt: row.created_at, updatedAt: row.updated_at };
}

export function listCombos(db: CatalogDb): Combo[] {
  return db
    .sql<[], { id: number }>('SELECT id FROM combos ORDER BY name, id')
    .all()
    .map((r) => getCombo(db, r.id));
}

/** changes name or notes; `items`, when given, replaces the whole outfit */
export function updateCombo(db: CatalogDb, id: number, patch: Partial<ComboInput>): Combo {
  db.write(() => {
    getCombo(db, id);
    if (patch.name !== undefined) db.sql('UPDATE combos SET name = ? WHERE id = ?').run(patch.name, id);
    if (patch.notes !== undefined) db.sql('UPDATE combos SET notes = ? WHERE id = ?').run(patch.notes, id);
    if (patch.items !== undefined) writeItems(db, id, patch.items);
    db.sql(`UPDATE combos SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`).run(id);
  });
  return getCombo(db, id);
}

/** removes the combo and the generations made from it */
export function deleteCombo(db: CatalogDb, id: number): boolean {
  return db.write(() => db.sql('DELETE FROM combos WHERE id = ?').run(id).changes > 0);
}
