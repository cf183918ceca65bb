import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import sharp from 'sharp';
import { openLibrary } from '../../../main/catalog/library';
import { chooseGeneration } from '../../../main/catalog/queries/chosen-shots';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { selectCandidates } from '../../../main/export/catalog-candidates';
import { recordShotMadeElsewhere } from '../../../main/shots/shot-made-elsewhere';
import { shotSettings } from '../../../main/shots/shot-settings';
import { tempDir } from './fixtures';

const png = (grey: number) => sharp({ create: { width: 16, height: 16, channels: 3, background: { r: grey, g: grey, b: grey } } }).png().toBuffer();

describe('the realistic source exports the shot the artist chose', () => {
  it('chosen wins over newer shots; without a choice, or when every view was just generated again, the newest', async () => {
    const library = join(tempDir('r2r-chosen-export-'), 'lib');
    await writeSampleLibrary(library, { garments: 1, colorways: 1, views: ['front'], width: 64, height: 96 });
    const lib = openLibrary(library);
    try {
      const renders = lib.raw.prepare("SELECT id, kind FROM renders ORDER BY kind").all() as { id: number; kind: string }[];
      expect(renders.map((r) => r.kind)).toEqual(['raster', 'raytrace']);
      const settings = shotSettings({ model: '/models/demo' });
      // three shots of the one view, from both of its renders, made in this order
      const made = [];
      for (const [i, r] of [renders[1]!, renders[0]!, renders[1]!].entries()) {
        made.push((await recordShotMadeElsewhere(lib, { renderId: r.id, settings, tag: { n: String(i) }, png: await png(40 + 80 * i), metrics: {} })).generation);
      }
      const exported = (prefer?: 'chosen' | 'latest') => {
        const { candidates, missing } = selectCandidates(lib, {}, 'realistic', prefer);
        expect(missing).toEqual([]);
        expect(candidates).toHaveLength(1);
        return candidates[0]!.generation!.extra!['R2R generation'];
      };
      expect(exported()).toBe(made[2]!.id);
      chooseGeneration(lib, made[0]!.id);
      expect(exported()).toBe(made[0]!.id);
      // a later choice on the view's other render wins
      chooseGeneration(lib, made[1]!.id);
      expect(exported()).toBe(made[1]!.id);
      expect(exported('latest')).toBe(made[2]!.id);
    } finally {
      lib.close();
    }
  });
});
