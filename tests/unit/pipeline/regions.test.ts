import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import type { Mask } from '../../../main/inference/image/mask';
import type { SourceImage } from '../../../main/inference/image/source-image';
import { ddimSchedule } from '../../../main/inference/pipelines/ddim-schedule';
import { loadR2RModel, type LoadedModel } from '../../../main/inference/pipelines/load-r2r-model';
import { DEFAULT_R2R_PARAMS, runR2R, type R2RParams } from '../../../main/inference/pipelines/r2r';
import type { RegionSpec } from '../../../main/inference/pipelines/regions';

const dir = mkdtempSync(join(tmpdir(), 'r2r-regions-'));
let loaded: LoadedModel;
const W = 64;
const H = 64;
const STEPS = 20;

function render(): SourceImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      data[o] = 128 + Math.round(100 * Math.sin(x / 5));
      data[o + 1] = 128 + Math.round(100 * Math.cos(y / 7));
      data[o + 2] = (x * y) % 256;
    }
  return { path: 'render', width: W, height: H, channels: 3, depth: 8, grey: false, data, format: 'raw' } as SourceImage;
}

/** white where `inside(x, y)` */
function mask(inside: (x: number, y: number) => boolean): Mask {
  const data = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = inside(x, y) ? 1 : 0;
  return { width: W, height: H, data };
}

// the garment: the left half, on latent pixel boundaries (8 image pixels each)
const garment = mask((x) => x < 32);
const background = mask((x) => x >= 32);
const params = (over: Partial<R2RParams> = {}): R2RParams => ({ ...DEFAULT_R2R_PARAMS, steps: STEPS, width: W, height: H, previewEvery: 0, ...over });

async function shot(p: R2RParams, regions?: RegionSpec[], editMask?: Mask) {
  const { model, scheduler } = loaded;
  return runR2R(model, ddimSchedule(scheduler, p.steps, p.strength, p.inversion), { source: render(), regions, editMask }, p, {
    scheduleFor: (s) => ddimSchedule(scheduler, p.steps, s, p.inversion),
  });
}

function pixelsWhere(img: SourceImage, m: Mask): number[] {
  const out: number[] = [];
  for (let i = 0; i < W * H; i++) if (m.data[i]! === 1) for (let c = 0; c < 3; c++) out.push(img.data[i * 3 + c]!);
  return out;
}

beforeAll(async () => {
  writeDemoModel(join(dir, 'tiny'), { seed: 3 });
  loaded = await loadR2RModel(join(dir, 'tiny'), { cacheDir: join(dir, 'cache'), provider: 'cpu' });
});
afterAll(async () => {
  await loaded?.model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('region passes on the tiny demo model', () => {
  it('keeps a strength-0 region pixel-exact and gives the garment the pixels of a plain shot with its settings', async () => {
    // the shot's own settings differ from the garment's: the garment must run on its own
    const res = await shot(params({ strength: 0.6, tacRatio: 0 }), [
      { name: 'garment', mask: garment, strength: 0.3, tacRatio: 0.9 },
      { name: 'background', mask: background, strength: 0 },
    ]);
    const source = render();
    expect(pixelsWhere(res.image, background)).toEqual(pixelsWhere(source, background));
    const plain = await shot(params({ strength: 0.3, tacRatio: 0.9 }), undefined, garment);
    const a = pixelsWhere(res.image, garment);
    const b = pixelsWhere(plain.image, garment);
    expect(a.length).toBe(32 * 64 * 3);
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThanOrEqual(1);
    // and the garment did change: the shot is not the source
    expect(a).not.toEqual(pixelsWhere(source, garment));
    // K = int(20 x 0.3) = 6, TAC steps int(20 x 0.3 x 0.9) = int(5.4) = 5; rows 5 x 3 + 1 x 2
    expect(res.regions).toEqual([
      { name: 'rest', strength: 0.6, k: 0, tacSteps: 0, sampleEvaluations: 0, inversionSteps: 0 },
      { name: 'garment', strength: 0.3, k: 6, tacSteps: 5, sampleEvaluations: 17, inversionSteps: 6 },
      { name: 'background', strength: 0, k: 0, tacSteps: 0, sampleEvaluations: 0, inversionSteps: 0 },
    ]);
    expect(res.k).toBe(6);
    expect(res.sampleEvaluations).toBe(6 + 17);
  });

  it('starts each strength at its own step and shares the batch between prompts', async () => {
    const face = mask((x, y) => x >= 32 && y < 32);
    const res = await shot(params({ strength: 0.3, tacRatio: 0 }), [
      { name: 'garment', mask: garment, strength: 0.3, tacRatio: 0.9 },
      { name: 'face', mask: face, strength: 0.5, tacRatio: 0, prompt: 'photo of a person, natural skin' },
      { name: 'background', mask: mask((x, y) => x >= 32 && y >= 32), strength: 0 },
    ]);
    const gen = res.unetCalls.filter((c) => c.stage === 'generation');
    const inv = res.unetCalls.filter((c) => c.stage === 'inversion');
    // face K = 10 starts at step 0; the garment's K = 6 from step 4, TAC for its first 5 steps
    expect(gen.map((c) => c.batch)).toEqual([2, 2, 2, 2, 5, 5, 5, 5, 5, 4]);
    expect(gen.map((c) => c.tac)).toEqual([false, false, false, false, true, true, true, true, true, false]);
    expect(inv.length).toBe(10 + 6);
    expect(res.regions!.map((r) => [r.name, r.k, r.tacSteps, r.sampleEvaluations])).toEqual([
      ['rest', 0, 0, 0],
      ['garment', 6, 5, 17],
      ['face', 10, 0, 20],
      ['background', 0, 0, 0],
    ]);
    const source = render();
    const bg = mask((x, y) => x >= 32 && y >= 32);
    expect(pixelsWhere(res.image, bg)).toEqual(pixelsWhere(source, bg));
    expect(pixelsWhere(res.image, face)).not.toEqual(pixelsWhere(source, face));
  });

  it('gives a region covering everything with the shot settings the plain shot, bit for bit', async () => {
    const p = params();
    const plain = await shot(p);
    const region = await shot(p, [{ mask: mask(() => true) }]);
    expect(Buffer.from(region.image.data).equals(Buffer.from(plain.image.data))).toBe(true);
    expect(region.sampleEvaluations).toBe(plain.sampleEvaluations);
  });

  it('refuses bad regions, naming the entry and the field', async () => {
    await expect(shot(params(), [{ name: 'face', mask: garment, strength: 1.5 }])).rejects.toMatchObject({ code: 'bad-regions', message: expect.stringMatching(/region 1 \(face\): strength must be a number in \[0, 1\]/) });
    await expect(shot(params(), [{ mask: garment, strength: 0.3 }, { mask: background, guidance: -1 }])).rejects.toMatchObject({ message: expect.stringMatching(/region 2: guidance/) });
    await expect(shot(params(), [{ mask: mask(() => true), strength: 0 }])).rejects.toMatchObject({ code: 'bad-regions', message: expect.stringMatching(/nothing to generate/) });
  });
});
