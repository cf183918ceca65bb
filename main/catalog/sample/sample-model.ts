import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGarmentGlb } from './garment-model';
import type { SampleGarment } from './sample-tree';

/**
 * Puts the procedural T-shirt model (twill texture, one material variant per colorway) into
 * the first sample garment's first colorway folder, where `r2r import` picks it up: the
 * sample library then holds a GLB the studio and `r2r render` can render.
 */
export async function writeSampleModel(treeDir: string, garments: SampleGarment[]): Promise<string | undefined> {
  const g = garments[0];
  if (!g?.colorways.length) return undefined;
  const rel = `${g.category}/${g.sku}/${g.colorways[0]}/model.glb`;
  writeFileSync(join(treeDir, rel), await buildGarmentGlb({ texture: true, variants: g.colorways }));
  return rel;
}
