import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { readSourceImage } from '../../../main/inference/image/source-image';
import { loadR2RModel, type LoadedModel } from '../../../main/inference/pipelines/load-r2r-model';
import { runImg2Img, runTxt2Img } from '../../../main/inference/pipelines/plain-diffusion';
import { DEFAULT_R2R_PARAMS } from '../../../main/inference/pipelines/r2r';
import { seededNoise } from '../../../main/inference/pipelines/seeded-noise';
import { encodePng } from './png-encode';

const dir = mkdtempSync(join(tmpdir(), 'r2r-plain-'));
let loaded: LoadedModel;
beforeAll(async () => {
  writeDemoModel(join(dir, 'tiny'), { seed: 5 });
  loaded = await loadR2RModel(join(dir, 'tiny'), { cacheDir: join(dir, 'cache'), provider: 'cpu' });
  const px = Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 13) % 256);
  writeFileSync(join(dir, 'render.png'), encodePng({ width: 64, height: 64, colour: 'rgb', depth: 8, samples: px }));
});
afterAll(async () => {
  await loaded?.model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('seeded noise', () => {
  it('is standard normal and a function of the seed', () => {
    const a = seededNoise(42, 100_001);
    let mean = 0;
    for (const v of a) mean += v;
    mean /= a.length;
    let variance = 0;
    for (const v of a) variance += (v - mean) ** 2;
    variance /= a.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    expect(Array.from(seededNoise(42, 8))).toEqual(Array.from(a.subarray(0, 8)));
    expect(Array.from(seededNoise(43, 8))).not.toEqual(Array.from(a.subarray(0, 8)));
  });
});

describe('img2img and txt2img on the same engine', () => {
  it('img2img: K guided batch-2 steps from the noised render; the seed decides the image', async () => {
    const source = await readSourceImage(join(dir, 'render.png'));
    const params = { ...DEFAULT_R2R_PARAMS, width: 64, height: 64, steps: 10, strength: 0.5, prompt: 'a photo' };
    const a = await runImg2Img(loaded.model, loaded.scheduler, { source }, params, { outputPath: join(dir, 'a.png') });
    const b = await runImg2Img(loaded.model, loaded.scheduler, { source }, params);
    const c = await runImg2Img(loaded.model, loaded.scheduler, { source }, { ...params, seed: 2 });
    expect(a.unetCalls.map((u) => u.batch)).toEqual([2, 2, 2, 2, 2]);
    // 10 steps at 0.5: t = 401 ... 1 as the SD pipelines run it, with nothing to report for the demo's SD 1.5 config
    expect([a.unetCalls.map((u) => u.timestep), a.notes]).toEqual([[401, 301, 201, 101, 1], []]);
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
    expect(existsSync(join(dir, 'a.png'))).toBe(true);
  });

  it('txt2img: all steps from the seed noise, written as a PNG of the asked size', async () => {
    const params = { ...DEFAULT_R2R_PARAMS, width: 64, height: 96, steps: 4, prompt: 'a shirt' };
    const a = await runTxt2Img(loaded.model, loaded.scheduler, params, { outputPath: join(dir, 't.png') });
    const b = await runTxt2Img(loaded.model, loaded.scheduler, params);
    expect(a.unetCalls.map((u) => u.timestep)).toEqual([751, 501, 251, 1]);
    // a config that leaves steps_offset and clip_sample to diffusers' DDIM defaults runs the same timesteps, with a note each
    const bare = await runTxt2Img(loaded.model, { ...loaded.scheduler, stepsOffset: 0, clipSample: true }, params);
    expect(bare.unetCalls.map((u) => u.timestep)).toEqual([751, 501, 251, 1]);
    expect(bare.notes).toHaveLength(2);
    expect(Buffer.from(bare.image.data).equals(Buffer.from(a.image.data))).toBe(true);
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    const png = await readSourceImage(join(dir, 't.png'));
    expect([png.width, png.height]).toEqual([64, 96]);
  });
});
