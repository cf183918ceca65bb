// library shots with a region preset: the preset's roles on the render's stored label mask
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetFile, getGeneration, listGenerations, openLibrary, searchGarments, writeSampleLibrary, type Library } from '../../../main/catalog/index';
import { setRenderLabels } from '../../../main/catalog/queries/region-presets';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { makeLibraryShot, releaseCachedModel, shotSettings } from '../../../main/shots/index';

const dir = mkdtempSync(join(tmpdir(), 'r2r-regions-library-'));
const W = 64;
const H = 80;
let lib: Library;
let renders: number[];

async function labelPng(): Promise<Buffer> {
  const raw = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      if (x < 32) raw[o] = 255; // garment
      else if (y < 40) raw[o + 2] = 255; // face
    }
  return sharp(raw, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
}

const rgb = async (file: string) => (await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true })).data;
const settings = (regionPreset?: string) => shotSettings({ model: join(dir, 'tiny'), steps: 10, maxSide: 64, provider: 'cpu', cacheDir: join(dir, 'cache'), ...(regionPreset ? { regionPreset } : {}) });

beforeAll(async () => {
  await writeSampleLibrary(join(dir, 'lib'), { garments: 1, colorways: 1, views: ['front', 'back'], width: W, height: H });
  writeDemoModel(join(dir, 'tiny'), { seed: 3 });
  lib = openLibrary(join(dir, 'lib'));
  renders = searchGarments(lib, {}).garments[0]!.renders.map((r) => r.id);
  await setRenderLabels(lib, renders[0]!, await labelPng());
});
afterAll(async () => {
  await releaseCachedModel();
  lib?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('library shots with a region preset', () => {
  it("runs 'garment + face realism' on the render's label mask, keeps the background and records the roles", async () => {
    const shot = await makeLibraryShot(lib, { renderId: renders[0]!, settings: settings('garment + face realism') });
    const g = getGeneration(lib, shot.generationId);
    expect(g.status).toBe('done');
    expect((g.params.regions as { preset: string }).preset).toBe('garment + face realism');
    expect((g.params.regions as { roles: { garment: unknown } }).roles.garment).toEqual({ strength: 0.3, tacRatio: 0.9 });
    // each layer's costs are recorded with the shot: the rest, then background, garment, skin, face (steps 10; this label mask has no skin, so skin runs no step)
    const costs = g.metrics!.regions as { name: string; strength: number; k: number; tacSteps: number; sampleEvaluations: number }[];
    expect(costs.map((c) => [c.name, c.strength, c.k, c.tacSteps])).toEqual([['rest', 0.3, 3, 2], ['background', 0, 0, 0], ['garment', 0.3, 3, 2], ['skin', 0.5, 0, 0], ['face', 0.5, 5, 0]]);
    expect(costs.find((c) => c.name === 'face')!.sampleEvaluations).toBeGreaterThan(0);
    const render = searchGarments(lib, {}).garments[0]!.renders.find((r) => r.id === renders[0])!;
    const src = await rgb(assetFile(lib, render.asset));
    const out = await rgb(join(lib.root, shot.outputPath));
    let kept = 0;
    let changed = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const o = (y * W + x) * 3;
        const same = out[o] === src[o] && out[o + 1] === src[o + 1] && out[o + 2] === src[o + 2];
        if (x >= 32 && y >= 40) kept += same ? 1 : 0;
        else changed += same ? 0 : 1;
      }
    expect(kept).toBe(32 * 40);
    expect(changed).toBeGreaterThan(0);
  });

  it('refuses a render without a label mask and an unknown preset before recording anything', async () => {
    const before = listGenerations(lib, {}).length;
    await expect(makeLibraryShot(lib, { renderId: renders[1]!, settings: settings('garment + face realism') })).rejects.toMatchObject({ code: 'no-label-mask' });
    await expect(makeLibraryShot(lib, { renderId: renders[0]!, settings: settings('no such preset') })).rejects.toMatchObject({ code: 'unknown-preset', hint: expect.stringMatching(/'new background'/) });
    expect(listGenerations(lib, {})).toHaveLength(before);
  });
});
