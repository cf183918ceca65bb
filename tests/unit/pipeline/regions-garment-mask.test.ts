// a region preset on a render without a label mask but with a painted garment mask: the preset's garment role runs there
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetFile, getGeneration, listGenerations, openLibrary, searchGarments, setMask, writeSampleLibrary, type Library } from '../../../main/catalog/index';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { makeLibraryShot, releaseCachedModel, shotSettings } from '../../../main/shots/index';

const dir = mkdtempSync(join(tmpdir(), 'r2r-regions-garment-mask-'));
const W = 64;
const H = 80;
let lib: Library;
let renders: number[];

const rgb = async (file: string) => (await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true })).data;
const settings = (regionPreset: string) => shotSettings({ model: join(dir, 'tiny'), steps: 10, strength: 0.5, maxSide: 64, provider: 'cpu', cacheDir: join(dir, 'cache'), regionPreset });

beforeAll(async () => {
  await writeSampleLibrary(join(dir, 'lib'), { garments: 1, colorways: 1, views: ['front', 'back'], width: W, height: H });
  writeDemoModel(join(dir, 'tiny'), { seed: 3 });
  lib = openLibrary(join(dir, 'lib'));
  renders = searchGarments(lib, {}).garments[0]!.renders.map((r) => r.id);
  // the garment mask: the left half of the render
  const raw = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) raw.fill(255, y * W, y * W + 32);
  await setMask(lib, renders[0]!, 'garment', await sharp(raw, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer());
});
afterAll(async () => {
  await releaseCachedModel();
  lib?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('region presets on a painted garment mask', () => {
  it("keeps the garment mask's pixels exactly with 'new background' (garment strength 0) and runs the rest at the shot's strength", async () => {
    const shot = await makeLibraryShot(lib, { renderId: renders[0]!, settings: settings('new background') });
    const g = getGeneration(lib, shot.generationId);
    expect(g.status).toBe('done');
    expect((g.params.regions as { preset: string }).preset).toBe('new background');
    const costs = g.metrics!.regions as { name: string; strength: number; k: number }[];
    expect(costs.map((c) => [c.name, c.strength, c.k])).toEqual([['rest', 0.5, 5], ['garment', 0, 0]]);
    const render = searchGarments(lib, {}).garments[0]!.renders.find((r) => r.id === renders[0])!;
    const src = await rgb(assetFile(lib, render.asset));
    const out = await rgb(join(lib.root, shot.outputPath));
    let kept = 0;
    let changed = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const o = (y * W + x) * 3;
        const same = out[o] === src[o] && out[o + 1] === src[o + 1] && out[o + 2] === src[o + 2];
        if (x < 32) kept += same ? 1 : 0;
        else changed += same ? 0 : 1;
      }
    expect(kept).toBe(32 * H);
    expect(changed).toBeGreaterThan(0);
  });

  it('still refuses a render with neither a label mask nor a garment mask', async () => {
    const before = listGenerations(lib, {}).length;
    await expect(makeLibraryShot(lib, { renderId: renders[1]!, settings: settings('garment + face realism') })).rejects.toMatchObject({ code: 'no-label-mask' });
    expect(listGenerations(lib, {})).toHaveLength(before);
  });
});
