// measured step times per (provider, model, canvas, part) and the estimate built on them
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLibrary, searchGarments, writeSampleLibrary } from '../../../main/catalog/index';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { SD15_UNET, TINY_UNET } from '../../../main/inference/models/demo/unet';
import { runJobHere } from '../../../main/jobs/run-here';
import { generateJob } from '../../../main/jobs/kinds/generate-job';
import { sweepJob } from '../../../main/jobs/kinds/sweep-job';
import { releaseCachedModel } from '../../../main/shots/index';
import { modelArchitecture, unetAttentionScoresPerSample, unetFlopsPerSample } from '../../../main/shots/model-flops';
import { BYTES_PER_SCORE, estimateCost, estimateLibraryCost, estimateShot, GUESSED_FLOPS_PER_SECOND, GUESSED_SCORE_BYTES_PER_SECOND, type ShotPlan } from '../../../main/shots/shot-estimate';
import { foldShot, lookupPart, measuredParts, partKey, readStepTimes, stepTimesFile, type ShotTimings, type StepTimesData } from '../../../main/shots/step-times';
import type { JobProgress } from '../../../preload/api/job-types';

const EMPTY: StepTimesData = { version: 1, entries: {} };
const MODEL = resolve('/models/sd15');

function shot(over: Partial<ShotTimings> = {}): ShotTimings {
  return {
    provider: 'cpu',
    model: MODEL,
    width: 512,
    height: 640,
    // inversion: one slow warm-up call, the median is 2 s; generation: TAC calls 6 s, plain 4 s
    unetCalls: [
      { stage: 'inversion', batch: 1, ms: 9000 },
      { stage: 'inversion', batch: 1, ms: 2000 },
      { stage: 'inversion', batch: 1, ms: 2000 },
      { stage: 'generation', batch: 3, ms: 6000 },
      { stage: 'generation', batch: 2, ms: 4000 },
    ],
    timings: { prepare: 100, encode: 1500, text: 200, decode: 3000, composite: 150, write: 50 },
    ...over,
  };
}

describe('step times', () => {
  it('takes the median UNet call of each stage and batch, the VAE and the rest from one shot', () => {
    expect(measuredParts(shot())).toEqual({ 'inversion:1': 2, 'generation:3': 6, 'generation:2': 4, encode: 1.5, decode: 3, other: 0.5 });
    // a cached inversion runs no inversion call and no encode: those parts stay unmeasured
    const cached = measuredParts(shot({ unetCalls: [{ stage: 'generation', batch: 2, ms: 1000 }], timings: { decode: 10 } }));
    expect(Object.keys(cached).sort()).toEqual(['decode', 'generation:2', 'other']);
  });

  it('moves halfway to each new shot and remembers what auto chose', () => {
    const once = foldShot(EMPTY, shot(), 1);
    const key = partKey({ provider: 'cpu', model: MODEL, width: 512, height: 640, part: 'inversion:1' });
    expect(once.entries[key]).toEqual({ seconds: 2, shots: 1, updatedAt: 1 });
    expect(once.autoProvider).toBe('cpu');
    const twice = foldShot(once, shot({ unetCalls: [{ stage: 'inversion', batch: 1, ms: 4000 }], requestedProvider: 'cpu' }), 2);
    expect(twice.entries[key]).toEqual({ seconds: 3, shots: 2, updatedAt: 2 });
    const cuda = foldShot(twice, shot({ provider: 'cuda', requestedProvider: 'cuda' }), 3);
    expect(cuda.autoProvider).toBe('cpu');
  });

  it('scales the nearest measured canvas of the same provider and model by pixel count', () => {
    const data = foldShot(EMPTY, shot(), 1);
    expect(lookupPart(data, { provider: 'cpu', model: MODEL, width: 512, height: 640, part: 'generation:3' })).toEqual({ seconds: 6 });
    expect(lookupPart(data, { provider: 'cpu', model: MODEL, width: 1024, height: 1280, part: 'generation:3' })).toEqual({ seconds: 24, scaledFrom: { width: 512, height: 640 } });
    expect(lookupPart(data, { provider: 'cuda', model: MODEL, width: 512, height: 640, part: 'generation:3' })).toBeUndefined();
    expect(lookupPart(data, { provider: 'cpu', model: resolve('/models/other'), width: 512, height: 640, part: 'generation:3' })).toBeUndefined();
  });
});

describe('the estimate', () => {
  const arch = modelArchitecture('/no/such/model');
  const plan: ShotPlan = { provider: 'cpu', model: MODEL, width: 512, height: 640, steps: 50, strength: 0.3, tacRatio: 0.9, arch };

  it('counts the attention scores of SD 1.5 level by level', () => {
    // 80x64 latent; levels of 5120, 1280, 320 and 80 pixels; 8 heads; 2 down + 3 up transformers
    // at each of the three attention levels and one in the mid block (80 pixels)
    const px = [5120, 1280, 320];
    const self = 8 * (5 * px.reduce((a, p) => a + p * p, 0) + 80 * 80);
    const cross = 8 * 77 * (5 * px.reduce((a, p) => a + p, 0) + 80);
    expect(unetAttentionScoresPerSample(SD15_UNET, 80, 64)).toBe(self + cross);
  });

  it('guesses from the UNet FLOPs and attention scores before any shot: a TAC step is 3 rows, a plain step 2, an inversion step 1', () => {
    expect(arch.fromConfig).toBe(false);
    expect(arch.unet).toEqual(SD15_UNET);
    const est = estimateShot(EMPTY, plan);
    expect(est.basis).toBe('guess');
    const perRow = unetFlopsPerSample(SD15_UNET, 80, 64) / GUESSED_FLOPS_PER_SECOND.cpu! + (unetAttentionScoresPerSample(SD15_UNET, 80, 64) * BYTES_PER_SCORE) / GUESSED_SCORE_BYTES_PER_SECOND.cpu!;
    const stage = (name: string) => est.stages.find((s) => s.stage === name)!;
    // K = int(50 x 0.3) = 15, TAC = int(50 x 0.3 x 0.9) = 13
    expect(stage('inversion')).toMatchObject({ steps: 15, rows: 1 });
    expect(stage('inversion').seconds).toBeCloseTo(15 * perRow, 6);
    expect(stage('generation-tac')).toMatchObject({ steps: 13, rows: 3 });
    expect(stage('generation-tac').seconds).toBeCloseTo(13 * 3 * perRow, 6);
    expect(stage('generation').seconds).toBeCloseTo(2 * 2 * perRow, 6);
    expect(est.seconds).toBeCloseTo(est.stages.reduce((a, s) => a + s.seconds, 0), 9);
  });

  it('a recorded shot turns the next estimate into a measured one built from its times', () => {
    const data = foldShot(EMPTY, shot(), 1);
    const est = estimateShot(data, plan);
    expect(est.basis).toBe('measured');
    // 1.5 encode + 15 x 2 inversion + 13 x 6 TAC + 2 x 4 plain + 3 decode + 0.5 other
    expect(est.seconds).toBeCloseTo(1.5 + 30 + 78 + 8 + 3 + 0.5, 9);
    // a cached inversion leaves out the encode and the inversion steps
    expect(estimateShot(data, { ...plan, inversionCached: true }).seconds).toBeCloseTo(78 + 8 + 3 + 0.5, 9);
  });

  it('warns about a CPU shot over a minute and offers the largest offered side under one', () => {
    // every part measured at 768x1024 (the default canvas of a 3:4 render): 120 s a shot
    const slowShot = shot({ width: 768, height: 1024, unetCalls: [{ stage: 'inversion', batch: 1, ms: 2000 }, { stage: 'generation', batch: 3, ms: 6000 }, { stage: 'generation', batch: 2, ms: 4000 }], timings: { encode: 500, decode: 3000, prepare: 500 } });
    const data = foldShot(EMPTY, slowShot, 1);
    const req = { renderId: 1, model: MODEL, steps: 50, strength: 0.3, tacRatio: 0.9 };
    const est = estimateCost(req, { data, render: { width: 600, height: 800 }, autoProvider: 'cpu' });
    expect(est.shot).toMatchObject({ width: 768, height: 1024, basis: 'measured' });
    expect(est.seconds).toBeCloseTo(120, 6);
    expect(est.slow).toBe(true);
    // 768 long: 576x768 is 0.5625 of the pixels (67.5 s, too slow); 512 long: 384x512, a quarter (30 s)
    expect(est.smaller).toEqual({ maxSide: 512, width: 384, height: 512, seconds: expect.closeTo(30, 6) });
    // the same shot on a GPU provider is no CPU warning
    expect(estimateCost({ ...req, provider: 'cuda' }, { data, render: { width: 600, height: 800 }, autoProvider: 'cpu' }).slow).toBe(false);
  });

  it('counts a sweep once per cell and each strength inversion once', () => {
    const data = foldShot(EMPTY, shot(), 1);
    const ctx = { data, render: { width: 512, height: 640 }, autoProvider: 'cpu' };
    const base = { renderId: 1, model: MODEL, steps: 50, strength: 0.3, tacRatio: 0.9, maxSide: 640 };
    const one = estimateCost(base, ctx).seconds;
    const grid = [{ tacRatio: 0.9, strength: 0.3 }, { tacRatio: 0.9, strength: 0.3 }, { tacRatio: 0.5, strength: 0.3 }];
    const sweep = estimateCost({ ...base, grid }, ctx);
    expect(sweep.shots).toBe(2);
    // the second cell (TAC 0.5, strength 0.3: 7 TAC steps and 8 plain) reuses the inversion
    expect(sweep.seconds).toBeCloseTo(one + 7 * 6 + 8 * 4 + 3 + 0.5, 9);
    expect(estimateCost({ ...base, shots: 4 }, ctx)).toMatchObject({ shots: 4, seconds: expect.closeTo(4 * one, 9) });
  });

  it('reads the UNet shape from the model folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'r2r-arch-'));
    try {
      writeDemoModel(dir, { seed: 1 });
      const a = modelArchitecture(dir);
      expect(a).toMatchObject({ fromConfig: true, vaeFactor: 8, sizeMultiple: 32 });
      expect(a.unet.blockOutChannels).toEqual(TINY_UNET.blockOutChannels);
      expect(a.unet.layersPerBlock).toBe(TINY_UNET.layersPerBlock);
      // a damaged config cannot make the count loop: out-of-range values take SD 1.5's
      writeFileSync(join(dir, 'unet', 'config.json'), JSON.stringify({ block_out_channels: [32, 64], layers_per_block: 1e9, cross_attention_dim: -3 }));
      const damaged = modelArchitecture(dir);
      expect(damaged.unet).toMatchObject({ blockOutChannels: [32, 64], layersPerBlock: SD15_UNET.layersPerBlock, crossAttentionDim: SD15_UNET.crossAttentionDim });
      writeFileSync(join(dir, 'unet', 'config.json'), ' '.repeat(300 * 1024) + '{}');
      expect(modelArchitecture(dir)).toMatchObject({ fromConfig: false, unet: SD15_UNET });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a generate job records its times in the library', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r2r-step-times-'));
  const libDir = join(dir, 'lib');
  const modelDir = join(dir, 'tiny-demo');
  let renderId = 0;

  beforeAll(async () => {
    process.env.R2R_CACHE_DIR = join(dir, 'cache');
    await writeSampleLibrary(libDir, { garments: 1, colorways: 1, views: ['front'], width: 64, height: 80 });
    writeDemoModel(modelDir, { seed: 5 });
    const lib = openLibrary(libDir);
    renderId = searchGarments(lib, {}).garments[0]!.renders[0]!.id;
    lib.close();
  });

  afterAll(async () => {
    await releaseCachedModel();
    delete process.env.R2R_CACHE_DIR;
    rmSync(dir, { recursive: true, force: true });
  });

  const params = (steps: number) => ({ library: libDir, renderId, model: modelDir, steps, strength: 0.5, tacRatio: 0.6, tacLevels: 2, guidance: 7.5, seed: 1, prompt: '', negative: { kind: 'prompt', text: '' }, maxSide: 64, provider: 'cpu' });
  const request = { renderId: 0, model: '', steps: 10, strength: 0.5, tacRatio: 0.6, maxSide: 64, provider: 'cpu' };

  it('turns the guess into a measured estimate and reports work-weighted progress with an ETA', async () => {
    const lib = openLibrary(libDir);
    const before = estimateLibraryCost(lib, { ...request, renderId, model: modelDir }, 'cpu');
    lib.close();
    expect(before.basis).toBe('guess');
    // a 64x80 render with a longer side of 64 on a model whose sides are multiples of 32
    expect(before.shot).toMatchObject({ width: 64, height: 64 });

    const progress: JobProgress[] = [];
    await runJobHere(generateJob, params(10), { onProgress: (p) => progress.push(p) });
    const file = stepTimesFile(libDir);
    const data = readStepTimes(file);
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
    expect(Object.keys(data.entries).filter((k) => k.includes('|64x64|')).map((k) => k.split('|')[2]).sort()).toEqual(['decode', 'encode', 'generation:2', 'generation:3', 'inversion:1', 'other']);

    const lib2 = openLibrary(libDir);
    const after = estimateLibraryCost(lib2, { ...request, renderId, model: modelDir }, 'cpu');
    lib2.close();
    expect(after.basis).toBe('measured');
    const inversion = after.shot.stages.find((s) => s.stage === 'inversion')!;
    const key = Object.keys(data.entries).find((k) => k.includes('|inversion:1|'))!;
    expect(inversion.seconds).toBeCloseTo(5 * data.entries[key]!.seconds, 9);

    // progress in work: never backwards, ends at the total, with an ETA on every step
    const steps = progress.filter((p) => p.work);
    expect(steps.length).toBeGreaterThanOrEqual(10);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.work!.done).toBeGreaterThanOrEqual(steps[i - 1]!.work!.done);
    const last = steps.at(-1)!;
    expect(last.work!.done).toBe(last.work!.total);
    expect(last.etaSeconds).toBe(0);
    expect(steps.every((p) => typeof p.etaSeconds === 'number' && p.etaSeconds >= 0)).toBe(true);
  }, 120_000);

  it('reports a sweep\'s progress in work: never backwards, to its total; the second cell of a strength inverts nothing', async () => {
    const progress: JobProgress[] = [];
    await runJobHere(sweepJob, { ...params(10), grid: [{ tacRatio: 0, strength: 0.5 }, { tacRatio: 1, strength: 0.5 }] }, { onProgress: (p) => progress.push(p) });
    const withWork = progress.filter((p) => p.work);
    for (let i = 1; i < withWork.length; i++) expect(withWork[i]!.work!.done).toBeGreaterThanOrEqual(withWork[i - 1]!.work!.done);
    const total = withWork.at(-1)!.work!.total;
    expect(withWork.at(-1)!.work!.done).toBe(total);
    const firstDone = progress.find((p) => p.message?.startsWith('cell 1/2') && p.message.endsWith(': done'))!.work!.done;
    expect(firstDone).toBeGreaterThan(0);
    expect(firstDone).toBeLessThan(total);
    const inversionSteps = progress.filter((p) => p.message?.startsWith('cell 2/2') && p.message.includes('inversion'));
    expect(inversionSteps).toEqual([]);
  }, 120_000);
});
