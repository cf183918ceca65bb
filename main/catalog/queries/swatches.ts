import { UserError } from '../../common/errors';
import { assetRelativePath } from '../assets';
import type { Library } from '../library';
import { setColorwayTexture } from './colorways';

export type SwatchOrigin = 'procedural' | 'extracted';

export interface SwatchRepeat {
  periodX: number;
  periodY: number;
  origin: SwatchOrigin;
  confidenceX: number | null;
  confidenceY: number | null;
}

export interface ColorwaySwatch extends SwatchRepeat {
  colorwayId: number;
  /** the swatch PNG, relative to the library root */
  path: string;
  width: number;
  height: number;
}

/** stores a PNG as the colorway's swatch with the repeat it holds (replacing any earlier one) */
export async function setSwatch(lib: Library, colorwayId: number, png: Uint8Array, repeat: SwatchRepeat): Promise<ColorwaySwatch> {
  if (!(repeat.periodX > 0 && repeat.periodY > 0)) throw new UserError('bad-swatch', `a swatch's repeat must be positive, got ${repeat.periodX} x ${repeat.periodY}`);
  await setColorwayTexture(lib, colorwayId, png);
  lib.write(() =>
    lib
      .sql(
        `INSERT INTO swatch_repeats (colorway_id, period_x, period_y, origin, confidence_x, confidence_y) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (colorway_id) DO UPDATE SET period_x = excluded.period_x, period_y = excluded.period_y, origin = excluded.origin,
           confidence_x = excluded.confidence_x, confidence_y = excluded.confidence_y, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      )
      .run(colorwayId, repeat.periodX, repeat.periodY, repeat.origin, repeat.confidenceX, repeat.confidenceY),
  );
  return getSwatch(lib, colorwayId)!;
}

interface SwatchRow {
  colorway_id: number;
  period_x: number;
  period_y: number;
  origin: SwatchOrigin;
  confidence_x: number | null;
  confidence_y: number | null;
  hash: string;
  ext: string;
  width: number;
  height: number;
}

/** the colorway's swatch and its repeat; undefined when it has no swatch with a known repeat */
export function getSwatch(lib: Library, colorwayId: number): ColorwaySwatch | undefined {
  const row = lib
    .sql<[number], SwatchRow>(
      `SELECT s.colorway_id, s.period_x, s.period_y, s.origin, s.confidence_x, s.confidence_y, a.hash, a.ext, a.width, a.height
       FROM swatch_repeats s JOIN colorways c ON c.id = s.colorway_id JOIN assets a ON a.id = c.texture_asset_id WHERE s.colorway_id = ?`,
    )
    .get(colorwayId);
  if (!row) return undefined;
  return {
    colorwayId: row.colorway_id,
    periodX: row.period_x,
    periodY: row.period_y,
    origin: row.origin,
    confidenceX: row.confidence_x,
    confidenceY: row.confidence_y,
    path: assetRelativePath(row.hash, row.ext),
    width: row.width,
    height: row.height,
  };
}
