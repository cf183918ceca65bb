import { UserError } from '../../common/errors';
import { presetRolesProblem, type RegionPreset, type RegionPresetRole, type RegionRole } from '../../../preload/api/region-types';
import { assetRelativePath, registerAsset } from '../assets';
import type { CatalogDb } from '../database';
import type { Library } from '../library';
import { storeImage } from './assets';

interface PresetRow {
  id: number;
  name: string;
  built_in: number;
  roles: string;
}

const SELECT = 'SELECT id, name, built_in, roles FROM region_presets';

function toPreset(r: PresetRow): RegionPreset {
  return { id: r.id, name: r.name, builtIn: r.built_in === 1, roles: JSON.parse(r.roles) as Partial<Record<RegionRole, RegionPresetRole>> };
}

/** the built-ins first, then the library's own by name */
export function listRegionPresets(db: CatalogDb): RegionPreset[] {
  return db.sql<[], PresetRow>(`${SELECT} ORDER BY built_in DESC, name COLLATE NOCASE, id`).all().map(toPreset);
}

/** a preset by id or by name */
export function getRegionPreset(db: CatalogDb, which: number | string): RegionPreset {
  const row = typeof which === 'number' ? db.sql<[number], PresetRow>(`${SELECT} WHERE id = ?`).get(which) : db.sql<[string], PresetRow>(`${SELECT} WHERE name = ?`).get(which);
  if (!row) {
    const names = listRegionPresets(db).map((p) => `'${p.name}'`);
    throw new UserError('unknown-preset', `no region preset ${typeof which === 'number' ? `#${which}` : `'${which}'`} in this library`, `Presets: ${names.join(', ')}.`);
  }
  return toPreset(row);
}

/** saves a library preset under `name`, replacing that name's roles; built-ins are not changed */
export function saveRegionPreset(db: CatalogDb, name: string, roles: Partial<Record<RegionRole, RegionPresetRole>>): RegionPreset {
  const trimmed = name.trim();
  if (trimmed === '') throw new UserError('bad-preset', 'a region preset needs a name');
  const problem = presetRolesProblem(roles);
  if (problem) throw new UserError('bad-preset', `region preset '${trimmed}': ${problem}`, 'Roles are background, garment, skin and face; settings strength, tacRatio, prompt, negative, guidance and fill.');
  db.write(() => {
    const existing = db.sql<[string], PresetRow>(`${SELECT} WHERE name = ?`).get(trimmed);
    if (existing?.built_in === 1) throw new UserError('preset-built-in', `'${trimmed}' is a built-in preset and cannot be changed`, 'Save it under another name.');
    db.sql(`INSERT INTO region_presets (name, roles) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET roles = excluded.roles, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`).run(trimmed, JSON.stringify(roles));
  });
  return getRegionPreset(db, trimmed);
}

/** true when there was a preset to delete; built-ins are refused */
export function deleteRegionPreset(db: CatalogDb, id: number): boolean {
  return db.write(() => {
    const row = db.sql<[number], PresetRow>(`${SELECT} WHERE id = ?`).get(id);
    if (!row) return false;
    if (row.built_in === 1) throw new UserError('preset-built-in', `'${row.name}' is a built-in preset and cannot be deleted`);
    return db.sql('DELETE FROM region_presets WHERE id = ?').run(id).changes > 0;
  });
}

export interface RenderLabels {
  renderId: number;
  asset: string;
  /** inside the library */
  path: string;
}

/** sets the render's label mask (a PNG the size of the render whose colours are LABEL_COLOURS), replacing the old */
export async function setRenderLabels(lib: Library, renderId: number, png: Uint8Array): Promise<RenderLabels> {
  const render = lib.sql<[number], { width: number; height: number }>('SELECT width, height FROM renders WHERE id = ?').get(renderId);
  if (!render) throw new UserError('unknown-render', `no render #${renderId} in this library`);
  const asset = await storeImage(lib, png, 'label mask');
  if (asset.ext !== 'png') throw new UserError('bad-mask', `a label mask must be a PNG, got ${asset.ext}`, 'Export the label mask as PNG (lossy formats change the label colours).');
  if (asset.width !== render.width || asset.height !== render.height) {
    throw new UserError('bad-mask', `the label mask is ${asset.width}x${asset.height} but render #${renderId} is ${render.width}x${render.height}`, 'Masks must match their render pixel for pixel.');
  }
  lib.write(() => {
    const assetId = registerAsset(lib, asset);
    lib
      .sql(`INSERT INTO render_labels (render_id, asset_id) VALUES (?, ?) ON CONFLICT (render_id) DO UPDATE SET asset_id = excluded.asset_id, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`)
      .run(renderId, assetId);
  });
  return getRenderLabels(lib, renderId)!;
}

export function getRenderLabels(db: CatalogDb, renderId: number): RenderLabels | undefined {
  const row = db
    .sql<[number], { hash: string; ext: string }>('SELECT a.hash, a.ext FROM render_labels l JOIN assets a ON a.id = l.asset_id WHERE l.render_id = ?')
    .get(renderId);
  return row && { renderId, asset: row.hash, path: assetRelativePath(row.hash, row.ext) };
}
