import { assetFile, getMask, type Library } from '../catalog/index';
import { getRenderLabels } from '../catalog/queries/region-presets';
import { UserError } from '../common/errors';

export interface RenderInputs {
  /** the render's image file */
  input: string;
  /** the edit mask stored for it: white may change, the rest stays the render */
  mask?: string;
  /** the texture lock stored for it: white keeps textures locked by TAC */
  textureLock?: string;
  /** the label mask stored for it: its colours name the render's garment, skin, face and background */
  labels?: string;
  width: number;
  height: number;
}

/** the render's image file and its stored masks, from the open library */
export function renderInputs(lib: Library, renderId: number): RenderInputs {
  const row = lib.sql<[number], { hash: string; ext: string; width: number; height: number }>('SELECT a.hash, a.ext, r.width, r.height FROM renders r JOIN assets a ON a.id = r.asset_id WHERE r.id = ?').get(renderId);
  if (!row) throw new UserError('unknown-render', `no render #${renderId} in the library at ${lib.root}`, 'Reopen the shot from the library; it may have been deleted.');
  const edit = getMask(lib, renderId, 'edit');
  const lock = getMask(lib, renderId, 'texture-lock');
  const labels = getRenderLabels(lib, renderId);
  return {
    input: assetFile(lib, row.hash, row.ext),
    ...(edit ? { mask: assetFile(lib, edit.asset) } : {}),
    ...(lock ? { textureLock: assetFile(lib, lock.asset) } : {}),
    ...(labels ? { labels: assetFile(lib, labels.asset) } : {}),
    width: row.width,
    height: row.height,
  };
}
