import { UserError } from '../../common/errors';
import { registerAsset } from '../assets';
import type { Library } from '../library';
import type { Colorway } from '../types';
import { storeImage } from './assets';

/** sets the colorway's swatch (the flat texture it is made of), or clears it with null */
export async function setColorwayTexture(lib: Library, colorwayId: number, image: Uint8Array | null): Promise<Colorway> {
  if (!lib.sql('SELECT 1 FROM colorways WHERE id = ?').get(colorwayId)) throw new UserError('unknown-colorway', `no colorway #${colorwayId} in this library`);
  const asset = image === null ? null : await storeImage(lib, image, `texture of colorway #${colorwayId}`);
  lib.write(() => lib.sql('UPDATE colorways SET texture_asset_id = ? WHERE id = ?').run(asset ? registerAsset(lib, asset) : null, colorwayId));
  const row = lib
    .sql<[number], { id: number; garment_id: number; name: string; texture: string | null }>(
      'SELECT c.id, c.garment_id, c.name, a.hash AS texture FROM colorways c LEFT JOIN assets a ON a.id = c.texture_asset_id WHERE c.id = ?',
    )
    .get(colorwayId)!;
  return { id: row.id, garmentId: row.garment_id, name: row.name, texture: row.texture };
}
