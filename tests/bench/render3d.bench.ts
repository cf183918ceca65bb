// 3D renders in headless Chromium on SwiftShader (CPU only: no GPU is used). run: npm run bench render3d
import { buildGarmentGlb } from '../../main/catalog/sample/garment-model';
import { renderHeadless } from '../../main/server/render3d-host';

export async function run(): Promise<Record<string, unknown>> {
  const model = await buildGarmentGlb({ texture: true });
  const views = ['front', 'back', 'side', 'detail'] as const;
  // raster: the four views at the library's 768x1024, twice in one page; the second pass is timed (shaders compiled)
  const raster = await renderHeadless({ model, views: [...views, ...views], kinds: ['raster'], samples: 1, width: 768, height: 1024, background: 'transparent' });
  const timed = raster.slice(views.length).reduce((ms, i) => ms + i.ms, 0);
  // path traced: one view, samples 8..32 timed from the snapshots (the shader compile before sample 1 excluded)
  const size = 128;
  const traced = await renderHeadless({ model, views: ['front'], kinds: ['raytrace'], samples: 32, snapshotSamples: [8], width: size, height: size, background: 'transparent' });
  const [at8, at32] = traced;
  const perSample = (at32!.ms - at8!.ms) / 24;
  return {
    device: 'CPU only (SwiftShader WebGL2 in headless Chromium)',
    rasterSize: '768x1024',
    rasterViewsPerSecond: Number(((views.length * 1000) / timed).toFixed(2)),
    rasterFirstPassMs: Math.round(raster.slice(0, views.length).reduce((ms, i) => ms + i.ms, 0)),
    pathTracedSize: `${size}x${size}`,
    pathTracedSamplesPerSecond: Number((1000 / perSample).toFixed(2)),
    pathTracedMegapixelSamplesPerSecond: Number(((size * size) / perSample / 1000).toFixed(3)),
    pathTracerFirstSampleMs: Math.round(at8!.ms - 8 * perSample),
  };
}
