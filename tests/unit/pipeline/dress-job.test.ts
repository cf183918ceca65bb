// the Combos view's Dress: the dress job kind through the job queue (inline worker) with the
// tiny demo model and a sample library, and the combos service's outfit methods
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../preload/api/contract';
import type { JobProgress } from '../../../preload/api/job-types';
import type { DressJobResult } from '../../../preload/api/outfit-types';
import { createCombo, getGeneration, listGenerations, openLibrary, searchGarments, writeSampleLibrary, type Library } from '../../../main/catalog/index';
import { createCombosService } from '../../../main/api/combos-service';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import { JobQueue } from '../../../main/jobs/queue';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { dressJob } from '../../../main/jobs/kinds/dress-job';
import type { AnyJobKind } from '../../../main/jobs/kind';
import { BODY_LAYOUT } from '../../../main/shots/outfit-layout';
import type { CombosService } from '../../../preload/api/contract';

const dir = mkdtempSync(join(tmpdir(), 'r2r-dress-job-'));
const libDir = join(dir, 'lib');
const modelDir = join(dir, 'tiny');
let lib: Library;
let queue: JobQueue;
let combos: CombosService;
let comboId: number;
let garmentIds: number[];
const progress = new Map<string, JobProgress[]>();
let cancelAtFirstStep: string | undefined;

const base = () => ({ library: libDir, comboId, model: modelDir, prompt: 'a person standing', steps: 4, seed: 11, width: 64, height: 64, provider: 'cpu' });

beforeAll(async () => {
  process.env.R2R_CACHE_DIR = join(dir, 'cache');
  await writeSampleLibrary(libDir, { garments: 3, colorways: 1, views: ['front'], width: 64, height: 80 });
  writeDemoModel(modelDir, { seed: 3 });
  lib = openLibrary(libDir);
  const garments = searchGarments(lib, {}).garments;
  garmentIds = garments.map((g) => g.id);
  comboId = createCombo(lib, {
    name: 'Summer look',
    items: [
      { garment: garments[0]!.id, role: 'top' },
      { garment: garments[1]!.id, role: 'bottom' },
      { garment: garments[2]!.id, role: 'accessory' },
    ],
  }).id;
  combos = createCombosService({ require: () => lib } as never);
  const kinds = [dressJob as AnyJobKind];
  queue = new JobQueue({
    kinds,
    worker: inlineWorkerFactory(kinds),
    emit: (e: ApiEvent) => {
      if (e.type !== 'job.progress') return;
      progress.set(e.payload.id, [...(progress.get(e.payload.id) ?? []), e.payload.progress]);
      if (e.payload.id === cancelAtFirstStep && e.payload.progress.message?.startsWith('generation')) void queue.cancel(e.payload.id);
    },
    cancelGraceMs: 10_000,
  });
});

afterAll(async () => {
  await queue?.close();
  lib?.close();
  delete process.env.R2R_CACHE_DIR;
  rmSync(dir, { recursive: true, force: true });
});

describe('outfit layout through the combos service', () => {
  it('places each dressed garment by role, leaves the accessory out, and keeps an edited box', async () => {
    const auto = await combos.layout(comboId);
    expect(auto.boxes.map((b) => [b.garmentId, b.role, b.edited])).toEqual([
      [garmentIds[0], 'top', false],
      [garmentIds[1], 'bottom', false],
    ]);
    expect(auto.boxes[0]!.box).toEqual(BODY_LAYOUT.top);
    expect(auto.boxes[1]!.box).toEqual(BODY_LAYOUT.bottom);
    expect(auto.skipped).toEqual([{ garmentId: garmentIds[2], sku: expect.any(String), reason: expect.stringMatching(/accessory is not dressed/) }]);
    const moved = { x: 0.1, y: 0.5, w: 0.8, h: 0.45 };
    const saved = await combos.saveLayout(comboId, [{ garmentId: garmentIds[1]!, box: moved }]);
    expect(saved.boxes[1]).toMatchObject({ box: moved, auto: BODY_LAYOUT.bottom, edited: true });
    expect(saved.boxes[0]).toMatchObject({ box: BODY_LAYOUT.top, edited: false });
    await expect(combos.saveLayout(comboId, [{ garmentId: garmentIds[0]!, box: { x: 0.9, y: 0, w: 0.5, h: 0.5 } }])).rejects.toThrow(/not inside the canvas/);
  });
});

describe('the dress job', () => {
  it('checks params when submitted', () => {
    expect(() => queue.submit('dress', { ...base(), comboId: 0 })).toThrow(/comboId/);
    expect(() => queue.submit('dress', { ...base(), strength: 1.5 })).toThrow(/strength/);
    expect(() => queue.submit('dress', { ...base(), fidelity: { top: 1 } })).toThrow(/fidelity/);
    expect(() => queue.submit('dress', { ...base(), colour: 'red' })).toThrow(/colour/);
  });

  it('dresses the combo from text in one shot, recorded as a generation of the combo with its layout and report, with steps and previews', async () => {
    const job = await queue.whenSettled(queue.submit('dress', { ...base(), fidelity: { [String(garmentIds[0])]: 0.5 } }).id);
    expect(job.error).toBeUndefined();
    expect(job.state).toBe('done');
    const result = job.result as DressJobResult;
    const gen = getGeneration(lib, result.generationId);
    expect(gen).toMatchObject({ status: 'done', comboId, renderId: null, seed: 11, model: modelDir, output: result.output });
    expect(gen.params).toMatchObject({ kind: 'dress', prompt: 'a person standing', steps: 4, view: 'front' });
    const recorded = gen.params.garments as { garmentId: number; box: unknown; fidelity: number; edited: boolean }[];
    expect(recorded.map((g) => [g.garmentId, g.fidelity, g.edited])).toEqual([
      [garmentIds[0], 0.5, false],
      [garmentIds[1], 1, true],
    ]);
    // the shot worked in the boxes the layout gave it
    const report = gen.metrics!.dress as { regions: { box: unknown }[]; sampleEvaluations: number; unetCalls: number; rowsPerCall: number; mode: string; separateShotsSampleEvaluations: number };
    expect(report.regions.map((r) => r.box)).toEqual([BODY_LAYOUT.top, { x: 0.1, y: 0.5, w: 0.8, h: 0.45 }]);
    expect(report.mode).toBe('txt2img');
    // 2 garments inverted over 4 steps (8), then 4 steps of 2 generated rows + 2 garment rows (16)
    expect([report.sampleEvaluations, report.rowsPerCall]).toEqual([24, 4]);
    expect([result.sampleEvaluations, result.separateShotsSampleEvaluations]).toEqual([report.sampleEvaluations, report.separateShotsSampleEvaluations]);
    const out = await sharp(readFileSync(join(libDir, result.outputPath))).metadata();
    expect([out.format, out.width, out.height]).toEqual(['png', 64, 64]);
    const steps = progress.get(job.id)!.filter((p) => p.message?.startsWith('generation '));
    expect(steps.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(steps.every((p) => p.total === 4)).toBe(true);
    expect(steps.some((p) => p.preview?.startsWith('data:image/png;base64,'))).toBe(true);
    // the combos service lists it with its report
    const dressed = await combos.dressed(comboId);
    expect(dressed.map((d) => [d.id, d.status])).toEqual([[gen.id, 'done']]);
    expect(dressed[0]!.report).toMatchObject({ sampleEvaluations: report.sampleEvaluations });
  });

  it('translates an attached outfit render with texture lock instead of text-to-image', async () => {
    const image = readFileSync(join(libDir, searchGarments(lib, {}).garments[0]!.renders[0]!.path)).toString('base64');
    const render = await combos.attachRender(comboId, 'front', 'raytrace', image);
    expect((await combos.renders(comboId)).map((r) => r.id)).toEqual([render.id]);
    const job = await queue.whenSettled(queue.submit('dress', { ...base(), prompt: '', renderId: render.id, strength: 0.5 }).id);
    expect(job.error).toBeUndefined();
    const gen = getGeneration(lib, (job.result as DressJobResult).generationId);
    expect(gen.params).toMatchObject({ comboRenderId: render.id, strength: 0.5 });
    expect((gen.metrics!.dress as { mode: string }).mode).toBe('render');
    // K = 2 of 4 steps: 2 inversion then 2 generation steps
    const steps = progress.get(job.id)!.filter((p) => /^(inversion|generation) /.test(p.message ?? ''));
    expect(steps.map((p) => p.step)).toEqual([1, 2, 3, 4]);
  });

  it('records a cancelled shot as cancelled', async () => {
    const submitted = queue.submit('dress', { ...base(), steps: 30, seed: 12 });
    cancelAtFirstStep = submitted.id;
    const job = await queue.whenSettled(submitted.id);
    expect(job.state).toBe('cancelled');
    const last = listGenerations(lib, { comboId }).find((g) => g.seed === 12)!;
    expect(last.status).toBe('cancelled');
  });

  it('refuses a combo with nothing to dress, naming why, and records nothing', async () => {
    const onlyHat = createCombo(lib, { name: 'hat only', items: [{ garment: garmentIds[2]!, role: 'accessory' }] });
    const job = await queue.whenSettled(queue.submit('dress', { ...base(), comboId: onlyHat.id }).id);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toMatch(/“hat only” has no garment to dress .*accessory is not dressed/);
    expect(listGenerations(lib, { comboId: onlyHat.id })).toEqual([]);
  });
});
