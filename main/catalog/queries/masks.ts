import { UserError } from '../../common/errors';
import { registerAsset } from '../assets';
import type { Library } from '../library';
import type { Mask } from '../types';
import { MASK_PURPOSES } from '../vocabulary';
import type { MaskPurpose } from '../vocabulary';
import { storeImage } from './assets';
import { MASK_SELECT, toMask } from './rows';
import type { MaskRow } from './rows';

/**
 * Sets the render's mask for `purpose` (one per purpose; a new one replaces the old). The
 * mask must be a PNG the size of the render.
 */
export async function setMask(lib: Library, renderId: number, purpose: MaskPurpose, png: Uint8Array): Promise<Mask> {
  if (!MASK_PURPOSES.includes(purpose)) throw new UserError('bad-mask-purpose', `unknown mask purpose '${purpose}'`, `Use one of ${MASK_PURPOSES.join(', ')}.`);
  const render = lib.sql<[number], { width: number; height: number }>('SELECT width, height FROM renders WHERE id = ?').get(renderId);
  if (!render) throw new UserError('unknown-render', `no render #${renderId} in this library`);
  const asset = await storeImage(lib, png, `${purpose} mask`);
  if (asset.ext !== 'png') throw new UserError('bad-mask', `a ${purpose} mask must be a PNG, got ${asset.ext}`, 'Export the mask as PNG.');
  if (asset.width !== render.width || asset.height !== render.height) {
    throw new UserError('bad-mask', `the ${purpose} mask is ${asset.width}x${asset.height} but render #${renderId} is ${render.width}x${render.height}`, 'Masks must match their render pixel for pixel.');
  }
  lib.write(() => {
    const assetId = registerAsset(lib, asset);
    lib
      .sql(
        `INSERT INTO masks (render_id, purpose, asset_id) VALUES (?, ?, ?)
         ON CONFLICT (render_id, purpose) DO UPDATE SET asset_id = excluded.asset_id, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      )
      .run(renderId, purpose, assetId);
  });
  return getMask(lib, renderId, purpose)!;
}

export function getMask(lib: Library, renderId: number, purpose: MaskPurpose): Mask | undefined {
  const row = lib.sql<[number, string], MaskRow>(`${MASK_SELECT} WHERE m.render_id = ? AND m.purpose = ?`).get(renderId, purpose);
  return row && toMask(row);
}

export function listMasks(lib: Library, renderId: number): Mask[] {
  return lib.sql<[number], MaskRow>(`${MASK_SELECT} WHERE m.render_id = ? ORDER BY m.purpose`).all(renderId).map(toMask);
}

/** true when there was a mask to delete */
export function deleteMask(lib: Library, renderId: number, purpose: MaskPurpose): boolean {
  return lib.write(() => lib.sql('DELETE FROM masks WHERE render_id = ? AND purpose = ?').run(renderId, purpose).changes > 0);
}
