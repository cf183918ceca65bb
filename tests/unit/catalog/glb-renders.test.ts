import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createLibrary } from '../../../main/catalog/library';
import { attachModel, STUDIO_3D_RENDERER, storeRenders } from '../../../main/catalog/model-renders';
import { colorwayModel } from '../../../main/catalog/models';
import { MetadataWriter } from '../../../main/catalog/import/metadata';
import { buildGarmentGlb } from '../../../main/catalog/sample/garment-model';
import { createLibraryService, LibraryHolder } from '../../../main/api/library-service';
import { tempDir } from './helpers';

function libraryWithColorway() {
  const lib = createLibrary(tempDir());
  new MetadataWriter(lib).write({ sku: 'TEE-9', name: 'Tee', category: 'tops', tags: [], notes: '', colorways: [{ name: 'red', renders: [] }] });
  const colorwayId = lib.sql<[], { id: number }>("SELECT id FROM colorways WHERE name = 'red'").get()!.id;
  return { lib, colorwayId };
}

const png = (shade: number) => sharp({ create: { width: 12, height: 16, channels: 4, background: { r: shade, g: 10, b: 10, alpha: 0.5 } } }).png().toBuffer();

describe('3D models and renders through the library', () => {
  it('a dropped .glb with variants dresses the colorway and adds one colorway per other variant', async () => {
    const { lib, colorwayId } = libraryWithColorway();
    const glb = await buildGarmentGlb({ segments: 8, variants: ['red', 'navy'] });
    const attached = await attachModel(lib, colorwayId, glb, 'tee.glb');
    expect(attached.model.variant).toBe('red');
    expect(attached.colorwaysAdded).toEqual(['navy']);
    const navy = lib.sql<[], { id: number }>("SELECT id FROM colorways WHERE name = 'navy'").get()!.id;
    expect(colorwayModel(lib, navy)).toMatchObject({ hash: attached.model.hash, variant: 'navy' });
    await expect(attachModel(lib, colorwayId, glb.slice(0, 64), 'cut.glb')).rejects.toThrow(/^cut\.glb: truncated \.glb/);
    lib.close();
  });

  it('stores 3D renders as the colorway renders of their view and kind, once', async () => {
    const { lib, colorwayId } = libraryWithColorway();
    const images = [
      { view: 'front', kind: 'raster' as const, png: await png(200) },
      { view: 'front', kind: 'raytrace' as const, png: await png(100) },
    ];
    expect(await storeRenders(lib, colorwayId, images)).toEqual({ added: 2 });
    expect(await storeRenders(lib, colorwayId, images)).toEqual({ added: 0 });
    const rows = lib
      .sql<[], { view: string; kind: string; renderer: string; width: number; height: number }>(
        'SELECT v.slug AS view, r.kind, r.renderer, r.width, r.height FROM renders r JOIN views v ON v.id = r.view_id ORDER BY r.kind',
      )
      .all();
    expect(rows).toEqual([
      { view: 'front', kind: 'raster', renderer: STUDIO_3D_RENDERER.raster, width: 12, height: 16 },
      { view: 'front', kind: 'raytrace', renderer: STUDIO_3D_RENDERER.raytrace, width: 12, height: 16 },
    ]);
    // a damaged image stores nothing of the batch
    await expect(storeRenders(lib, colorwayId, [{ view: 'back', kind: 'raster', png: await png(50) }, { view: 'side', kind: 'raster', png: new Uint8Array([1, 2, 3]) }])).rejects.toThrow(/side raster render/);
    expect(lib.sql<[], { n: number }>('SELECT count(*) AS n FROM renders').get()!.n).toBe(2);
    lib.close();
  });

  it('the library service hands the model to the renderer and takes its renders back', async () => {
    const { lib, colorwayId } = libraryWithColorway();
    const root = lib.root;
    lib.close();
    const holder = new LibraryHolder({ recentFile: `${tempDir()}/recent.json` });
    holder.open(root);
    const service = createLibraryService(holder);
    expect(await service.model(colorwayId)).toBeNull();
    const glb = await buildGarmentGlb({ segments: 8 });
    const rec = await service.attachModel(colorwayId, Buffer.from(glb).toString('base64'), 'tee.glb');
    expect(rec).toMatchObject({ colorwayId, variant: null, bytes: glb.length });
    expect(Buffer.from(await service.modelData(colorwayId), 'base64')).toEqual(Buffer.from(glb));
    expect(await service.addRenders(colorwayId, [{ view: 'back', kind: 'raytrace', png: (await png(9)).toString('base64') }])).toBe(1);
    holder.close();
  });
});
