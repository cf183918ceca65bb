import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_REGION_PRESETS } from '../../../main/catalog/migrations/010-region-presets';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { readSourceImage } from '../../../main/inference/image/source-image';
import { labelsOf, readLabelMask } from '../../../main/inference/pipelines/label-masks';
import { loadR2RModel, type LoadedModel } from '../../../main/inference/pipelines/load-r2r-model';
import { presetRegions } from '../../../main/inference/pipelines/regions';
import { runR2RShot } from '../../../main/inference/pipelines/r2r-shot';
import { encodePng } from './png-encode';

const dir = mkdtempSync(join(tmpdir(), 'r2r-region-presets-'));
const W = 64;
const H = 64;
let loaded: LoadedModel;
const realism = { roles: BUILT_IN_REGION_PRESETS[0]!.roles };
const FACE = (x: number, y: number) => x >= 32 && y < 32;
const GARMENT = (x: number) => x < 32;

beforeAll(async () => {
  writeDemoModel(join(dir, 'tiny'), { seed: 3 });
  loaded = await loadR2RModel(join(dir, 'tiny'), { cacheDir: join(dir, 'cache'), provider: 'cpu' });
  const px: number[] = [];
  const labels: number[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      px.push(128 + Math.round(100 * Math.sin(x / 5)), 128 + Math.round(100 * Math.cos(y / 7)), (x * y) % 256);
      // slightly off the label colours, as an anti-aliased export leaves them
      labels.push(...(GARMENT(x) ? [250, 6, 3] : FACE(x, y) ? [4, 2, 251] : [3, 3, 3]));
    }
  writeFileSync(join(dir, 'render.png'), encodePng({ width: W, height: H, colour: 'rgb', depth: 8, samples: px }));
  writeFileSync(join(dir, 'front_labels.mask.png'), encodePng({ width: W, height: H, colour: 'rgb', depth: 8, samples: labels }));
});
afterAll(async () => {
  await loaded?.model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const shot = (regions: ReturnType<typeof presetRegions>, out: string) =>
  runR2RShot(
    { modelDir: join(dir, 'tiny'), input: join(dir, 'render.png'), output: join(dir, out), regions, params: { steps: 20, width: W, height: H, previewEvery: 0 }, useCache: false },
    { loaded },
  );

describe('region presets on label masks', () => {
  it('reads each role from the label colours, nearest colour within the tolerance', async () => {
    expect(Array.from(labelsOf(new Uint8Array([0, 0, 0, 250, 10, 10, 10, 240, 0, 0, 0, 200, 255, 255, 0]), 5))).toEqual([0, 1, 2, 3, -1]);
    const face = await readLabelMask(join(dir, 'front_labels.mask.png'), 'face', W, H);
    let n = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (face.data[y * W + x] === 1) n += FACE(x, y) ? 1 : 1000;
    expect(n).toBe(32 * 32);
  });

  it("'garment + face realism' runs each role with its settings and keeps the background pixel-exact", async () => {
    const regions = presetRegions(realism, join(dir, 'front_labels.mask.png'));
    expect(regions.map((r) => [r.name, r.label])).toEqual([
      ['background', 'background'],
      ['garment', 'garment'],
      ['skin', 'skin'],
      ['face', 'face'],
    ]);
    const res = await shot(regions, 'realism.png');
    expect(res.regions!.map((r) => [r.name, r.k, r.tacSteps])).toEqual([
      ['rest', 0, 0],
      ['background', 0, 0],
      ['garment', 6, 5],
      ['skin', 0, 0],
      ['face', 10, 0],
    ]);
    const src = await readSourceImage(join(dir, 'render.png'));
    const out = await readSourceImage(join(dir, 'realism.png'));
    for (let y = 32; y < H; y++) for (let x = 32; x < W; x++) for (let c = 0; c < 3; c++) expect(out.data[(y * W + x) * 3 + c]).toBe(src.data[(y * W + x) * 3 + c]);
  });

  it('fills a role with a colour: kept at strength 0, exactly that colour', async () => {
    const regions = presetRegions({ roles: { background: { strength: 0, fill: '#336699' } } }, join(dir, 'front_labels.mask.png'));
    const res = await shot(regions, 'fill.png');
    expect(res.regions!.map((r) => [r.name, r.k])).toEqual([
      ['rest', 6],
      ['background', 0],
    ]);
    const out = await readSourceImage(join(dir, 'fill.png'));
    for (let y = 32; y < H; y++) for (let x = 32; x < W; x++) expect(Array.from(out.data.slice((y * W + x) * 3, (y * W + x) * 3 + 3))).toEqual([0x33, 0x66, 0x99]);
  });
});
