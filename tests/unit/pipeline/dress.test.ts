import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { readSourceImage, type SourceImage } from '../../../main/inference/image/source-image';
import { ddimSchedule } from '../../../main/inference/pipelines/ddim-schedule';
import { dressGrid, runDress, type DressGarmentInput } from '../../../main/inference/pipelines/dress';
import type { UnetCall } from '../../../main/inference/pipelines/diffusion-model';
import { loadR2RModel, type LoadedModel } from '../../../main/inference/pipelines/load-r2r-model';
import { runTxt2Img } from '../../../main/inference/pipelines/plain-diffusion';
import { DEFAULT_R2R_PARAMS, runR2R } from '../../../main/inference/pipelines/r2r';
import { dressSampleEvaluations } from '../../../main/shots/dress-shot';
import { encodePng } from './png-encode';

const dir = mkdtempSync(join(tmpdir(), 'r2r-dress-'));
let loaded: LoadedModel;
let plainLoaded: LoadedModel;
const garmentImages: SourceImage[] = [];
let render: SourceImage;
const params = { ...DEFAULT_R2R_PARAMS, width: 64, height: 96, steps: 4, strength: 1, prompt: 'a person', previewEvery: 2 };

function png(name: string, w: number, h: number, f: (i: number) => number): string {
  const path = join(dir, name);
  writeFileSync(path, encodePng({ width: w, height: h, colour: 'rgb', depth: 8, samples: Array.from({ length: w * h * 3 }, (_, i) => f(i) % 256) }));
  return path;
}

/** latent region [h * w] covering rows [from, to) of the 12 x 8 latent grid */
function rows(from: number, to: number): Float32Array {
  return Float32Array.from({ length: 8 * 12 }, (_, i) => (Math.floor(i / 8) >= from && Math.floor(i / 8) < to ? 1 : 0));
}

beforeAll(async () => {
  writeDemoModel(join(dir, 'tiny'), { seed: 5 });
  loaded = await loadR2RModel(join(dir, 'tiny'), { cacheDir: join(dir, 'cache'), provider: 'cpu', referenceAttention: true });
  plainLoaded = await loadR2RModel(join(dir, 'tiny'), { cacheDir: join(dir, 'cache'), provider: 'cpu' });
  garmentImages.push(await readSourceImage(png('top.png', 64, 64, (i) => (i * 37) % 251)));
  garmentImages.push(await readSourceImage(png('skirt.png', 64, 80, (i) => (i * 7) % 199)));
  render = await readSourceImage(png('render.png', 64, 96, (i) => (i * 13) % 256));
});
afterAll(async () => {
  await loaded?.model.dispose();
  await plainLoaded?.model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const same = (a: SourceImage, b: SourceImage) => Buffer.from(a.data).equals(Buffer.from(b.data));

describe('the dressing loop on the demo model', () => {
  it('loads a separate adapted copy with reference attention; the plain load has none', () => {
    expect(loaded.model.supportsReference).toBe(true);
    expect(plainLoaded.model.supportsReference).toBe(false);
    expect(loaded.adapted.dir).not.toBe(plainLoaded.adapted.dir);
    expect(loaded.adapted.report.reference?.levels).toEqual([0, 1, 2]);
    expect(dressGrid(loaded.model, params)).toEqual({ width: 64, height: 96, latentWidth: 8, latentHeight: 12 });
  });

  it('with every region empty the shot is plain txt2img, bit for bit (on the plain model too)', async () => {
    const empty: DressGarmentInput[] = garmentImages.map((image) => ({ image, region: new Float32Array(96), weight: 1 }));
    const dressed = await runDress(loaded.model, loaded.scheduler, { garments: empty }, params);
    const plain = await runTxt2Img(plainLoaded.model, plainLoaded.scheduler, params);
    const plainOnAdapted = await runTxt2Img(loaded.model, loaded.scheduler, params);
    expect(dressed.unetCalls.map((c) => c.batch)).toEqual([2, 2, 2, 2]);
    expect(same(dressed.image, plain.image)).toBe(true);
    expect(same(plainOnAdapted.image, plain.image)).toBe(true);
    // a garment of fidelity 0 is no garment either
    const zero = await runDress(loaded.model, loaded.scheduler, { garments: [{ image: garmentImages[0]!, region: rows(0, 6), weight: 0 }] }, params);
    expect(same(zero.image, plain.image)).toBe(true);
  });

  it('two garments: one inversion batch of 2 per step, then generation calls of 2 + 2 rows; the garments change the image', async () => {
    const steps: string[] = [];
    const garments = [
      { image: garmentImages[0]!, region: rows(2, 6), weight: 1 },
      { image: garmentImages[1]!, region: rows(6, 11), weight: 0.8 },
    ];
    const a = await runDress(loaded.model, loaded.scheduler, { garments }, params, { onStep: (e) => steps.push(`${e.stage}${e.step}${e.preview ? '+' : ''}`), outputPath: join(dir, 'dressed.png') });
    expect(a.unetCalls.map((c) => `${c.stage[0]}${c.batch}`)).toEqual(['i2', 'i2', 'i2', 'i2', 'g4', 'g4', 'g4', 'g4']);
    // the garments are inverted up the schedule the generation comes down
    expect(a.unetCalls.slice(0, 4).map((c) => c.timestep)).toEqual([...a.unetCalls.slice(4).map((c) => c.timestep)].reverse());
    expect(a.sampleEvaluations).toBe(dressSampleEvaluations(4, 0, 2, false));
    expect([a.garmentRows, a.rowsPerCall, a.mode]).toEqual([2, 4, 'txt2img']);
    expect(steps).toEqual(['inversion1', 'inversion2', 'inversion3', 'inversion4', 'generation1', 'generation2+', 'generation3', 'generation4+']);
    const plain = await runTxt2Img(plainLoaded.model, plainLoaded.scheduler, params);
    expect(same(a.image, plain.image)).toBe(false);
    const b = await runDress(loaded.model, loaded.scheduler, { garments }, params);
    expect(same(a.image, b.image)).toBe(true);
    // another garment image in the second region changes the shot
    const c = await runDress(loaded.model, loaded.scheduler, { garments: [garments[0]!, { ...garments[1]!, image: render }] }, params);
    expect(same(a.image, c.image)).toBe(false);
  });

  it('from a render without garments it is the R2R shot, bit for bit; with garments the rows are [reference, negative, conditional, garments]', async () => {
    const r2rParams = { ...params, steps: 10, strength: 0.5 };
    const schedule = ddimSchedule(loaded.scheduler, r2rParams.steps, r2rParams.strength, r2rParams.inversion);
    const r2r = await runR2R(plainLoaded.model, schedule, { source: render }, r2rParams);
    const none = await runDress(loaded.model, loaded.scheduler, { garments: [], render }, r2rParams);
    expect(none.unetCalls.map((c) => c.batch)).toEqual(r2r.unetCalls.map((c) => c.batch));
    expect(same(none.image, r2r.image)).toBe(true);
    const dressed = await runDress(loaded.model, loaded.scheduler, { garments: [{ image: garmentImages[0]!, region: rows(2, 6), weight: 1 }], render }, r2rParams);
    // K = 5, TAC for int(5 x 0.9) = 4 steps
    expect(dressed.unetCalls.map((c) => `${c.stage[0]}${c.batch}`)).toEqual(['i2', 'i2', 'i2', 'i2', 'i2', 'g4', 'g4', 'g4', 'g4', 'g3']);
    expect(dressed.sampleEvaluations).toBe(dressSampleEvaluations(5, 4, 1, true));
    expect([dressed.mode, dressed.image.width, dressed.image.height]).toEqual(['render', 64, 96]);
    expect(same(dressed.image, r2r.image)).toBe(false);
  });

  it('from a render, texture lock holds only inside the garments\' regions: a token outside every region takes its own Q/K', async () => {
    const r2rParams = { ...params, steps: 10, strength: 0.5 };
    const calls: UnetCall[] = [];
    const model = loaded.model;
    const recording = Object.create(model, { unet: { value: (c: UnetCall) => (calls.push(c), model.unet(c)) } }) as typeof model;
    expect(recording.supportsTextureLock).toBe(true);
    const garments = [
      { image: garmentImages[0]!, region: rows(2, 6), weight: 0.5 },
      { image: garmentImages[1]!, region: rows(8, 10), weight: 1 },
    ];
    await runDress(recording, loaded.scheduler, { garments, render }, r2rParams);
    const tacCalls = calls.filter((c) => c.tacQkSource?.some((src, row) => src !== row));
    expect(tacCalls).toHaveLength(4);
    for (const c of tacCalls) {
      const conditional = c.tacQkSource!.findIndex((src, row) => src !== row);
      expect(conditional).toBe(2);
      const lock = Array.from(c.textureLock!.subarray(conditional * 96, (conditional + 1) * 96));
      // rows 2-5 and 8-9 of the 12 x 8 grid, whatever the fidelity; nothing elsewhere
      expect(lock).toEqual(Array.from({ length: 96 }, (_, i) => ((Math.floor(i / 8) >= 2 && Math.floor(i / 8) < 6) || (Math.floor(i / 8) >= 8 && Math.floor(i / 8) < 10) ? 1 : 0)));
      // the other rows use their own Q/K, which any lock leaves as it is
      expect(Array.from(c.textureLock!.subarray(0, conditional * 96)).every((v) => v === 1)).toBe(true);
    }
    // without garments it stays the plain R2R shot: the whole canvas locked (the model's default)
    calls.length = 0;
    await runDress(recording, loaded.scheduler, { garments: [], render }, r2rParams);
    expect(calls.every((c) => c.textureLock === undefined)).toBe(true);
  });

  it('stops at the next UNet call when cancelled', async () => {
    const ac = new AbortController();
    const garments = [{ image: garmentImages[0]!, region: rows(2, 6), weight: 1 }];
    const run = runDress(loaded.model, loaded.scheduler, { garments }, params, { signal: ac.signal, onStep: (e) => e.stage === 'generation' && e.step === 1 && ac.abort() });
    await expect(run).rejects.toThrow(/abort/i);
  });

  it('refuses garments on a model without reference attention', async () => {
    await expect(runDress(plainLoaded.model, plainLoaded.scheduler, { garments: [{ image: garmentImages[0]!, region: rows(2, 6), weight: 1 }] }, params)).rejects.toThrow(/no ref_rows input/);
  });
});
