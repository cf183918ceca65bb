// the studio's generate and sweep job kinds through the job queue (inline worker) with the
// tiny demo model and a sample library
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../preload/api/contract';
import type { JobProgress } from '../../../preload/api/job-types';
import type { GenerateJobResult } from '../../../preload/api/generation-types';
import { getGeneration, insertGeneration, listGenerations, openLibrary, searchGarments, setMask, writeSampleLibrary, type Library } from '../../../main/catalog/index';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import { JobQueue } from '../../../main/jobs/queue';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { generateJob } from '../../../main/jobs/kinds/generate-job';
import { settingsOfJob } from '../../../main/jobs/kinds/generate-params';
import { LEASE_MS, modelFor, releaseCachedModel, settleOrphans, startOwnedGeneration, thisProcessOwner } from '../../../main/shots/index';
import { sweepJob, sweepOrder, type SweepCellResult } from '../../../main/jobs/kinds/sweep-job';
import type { AnyJobKind } from '../../../main/jobs/kind';

const dir = mkdtempSync(join(tmpdir(), 'r2r-generate-job-'));
const libDir = join(dir, 'lib');
const modelDir = join(dir, 'tiny');
let lib: Library;
let renderId: number;
let queue: JobQueue;
const progress = new Map<string, JobProgress[]>();

const base = () => ({
  library: libDir,
  renderId,
  model: modelDir,
  steps: 10,
  strength: 0.4,
  tacRatio: 0.5,
  tacLevels: 2,
  guidance: 7.5,
  seed: 7,
  prompt: '',
  negative: { kind: 'prompt' as const, text: '' },
  maxSide: 64,
  provider: 'cpu',
});

async function pixels(file: string): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

beforeAll(async () => {
  process.env.R2R_CACHE_DIR = join(dir, 'cache');
  await writeSampleLibrary(libDir, { garments: 1, colorways: 1, views: ['front'], width: 64, height: 80 });
  writeDemoModel(modelDir, { seed: 3 });
  lib = openLibrary(libDir);
  renderId = searchGarments(lib, {}).garments[0]!.renders[0]!.id;
  queue = new JobQueue({
    kinds: [generateJob as AnyJobKind, sweepJob as AnyJobKind],
    worker: inlineWorkerFactory([generateJob as AnyJobKind, sweepJob as AnyJobKind]),
    emit: (e: ApiEvent) => {
      if (e.type === 'job.progress') progress.set(e.payload.id, [...(progress.get(e.payload.id) ?? []), e.payload.progress]);
    },
    cancelGraceMs: 10_000,
  });
});

afterAll(async () => {
  await queue?.close();
  await releaseCachedModel();
  lib?.close();
  delete process.env.R2R_CACHE_DIR;
  rmSync(dir, { recursive: true, force: true });
});

describe('the generate job', () => {
  it('checks params when submitted', () => {
    expect(() => queue.submit('generate', { ...base(), steps: 0 })).toThrow(/steps/);
    expect(() => queue.submit('generate', { ...base(), library: undefined })).toThrow(/library/);
    expect(() => queue.submit('sweep', { ...base(), grid: [] })).toThrow(/grid/);
  });

  it('generates a render of the library, records the generation and reports steps with previews', async () => {
    const job = await queue.whenSettled(queue.submit('generate', base()).id);
    expect(job.error).toBeUndefined();
    expect(job.state).toBe('done');
    const result = job.result as GenerateJobResult;
    const gen = getGeneration(lib, result.generationId);
    expect(gen).toMatchObject({ status: 'done', renderId, seed: 7, model: modelDir, output: result.output, outputPath: result.outputPath });
    expect(gen.params).toMatchObject({ steps: 10, strength: 0.4, tacRatio: 0.5, tacLevels: 2, guidance: 7.5, maxSide: 64 });
    expect(gen.metrics).toMatchObject({ provider: 'cpu', k: 4, tacSteps: 2, inversionCached: false, unetCalls: 8 });
    // the output has the render's size
    const out = await pixels(join(libDir, result.outputPath));
    expect([out.width, out.height]).toEqual([64, 80]);

    const steps = progress.get(job.id)!.filter((p) => p.message?.match(/^(inversion|generation) /));
    expect(steps.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(steps.every((p) => p.total === 8)).toBe(true);
    const previews = steps.filter((p) => p.preview);
    expect(previews.length).toBeGreaterThan(0);
    const png = Buffer.from(previews[0]!.preview!.replace(/^data:image\/png;base64,/, ''), 'base64');
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    // a 64x64 canvas has an 8x8 latent: scaled up with square pixels to 128
    expect([meta.width, meta.height]).toEqual([128, 128]);
  });

  it('keeps the model loaded between jobs and reuses the inversion and the shared first steps when only TAC and seed change', async () => {
    const first = await modelFor(settingsOfJob(base()), new AbortController().signal);
    const again = await modelFor(settingsOfJob({ ...base(), seed: 99, tacRatio: 1 }), new AbortController().signal);
    expect(first.reused).toBe(true);
    expect(again.loaded).toBe(first.loaded);
    const job = await queue.whenSettled(queue.submit('generate', { ...base(), tacRatio: 1, seed: 8 }).id);
    expect(job.state).toBe('done');
    const gen = getGeneration(lib, (job.result as GenerateJobResult).generationId);
    // the earlier jobs ran TAC 0.5 (2 TAC steps of 4): their first 2 steps are this one's too
    expect(gen.metrics).toMatchObject({ inversionCached: true, generationStepsReused: 2, tacSteps: 4, unetCalls: 2 });
    expect(progress.get(job.id)!.at(-1)!.message).toBe('done (inversion and 2 generation steps from the cache)');
  });

  it('records the outfit a shot was generated for (Combos view) in the generation params', async () => {
    expect(() => queue.submit('generate', { ...base(), comboId: 0 })).toThrow(/comboId/);
    const job = await queue.whenSettled(queue.submit('generate', { ...base(), comboId: 5 }).id);
    expect(job.state).toBe('done');
    const gen = getGeneration(lib, (job.result as GenerateJobResult).generationId);
    expect(gen).toMatchObject({ renderId, params: { comboId: 5, renderId } });
  });

  it('applies the edit mask stored in the library: pixels outside it stay the render', async () => {
    const render = searchGarments(lib, {}).garments[0]!.renders[0]!;
    const w = 64;
    const h = 80;
    // white (may change) on the left 16 columns only
    const mask = Buffer.alloc(w * h, 0);
    for (let y = 0; y < h; y++) mask.fill(255, y * w, y * w + 16);
    await setMask(lib, renderId, 'edit', await sharp(mask, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer());
    try {
      const job = await queue.whenSettled(queue.submit('generate', { ...base(), seed: 9 }).id);
      expect(job.state).toBe('done');
      const out = await pixels(join(libDir, (job.result as GenerateJobResult).outputPath));
      const src = await pixels(join(libDir, render.path));
      let same = 0;
      let changedLeft = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const i = 3 * (y * w + x);
          const eq = out.data[i] === src.data[i] && out.data[i + 1] === src.data[i + 1] && out.data[i + 2] === src.data[i + 2];
          if (x >= 24) same += eq ? 1 : 0;
          if (x < 8 && !eq) changedLeft++;
        }
      expect(same).toBe((w - 24) * h);
      expect(changedLeft).toBeGreaterThan(0);
    } finally {
      const { deleteMask } = await import('../../../main/catalog/index');
      deleteMask(lib, renderId, 'edit');
    }
  });

  it('stops a cancelled job within a step and records the generation as cancelled', async () => {
    const before = listGenerations(lib, { renderId }).length;
    const id = queue.submit('generate', { ...base(), steps: 40, strength: 1, seed: 10 }).id;
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (progress.get(id)?.some((p) => p.message?.startsWith('inversion')) || queue.get(id).state !== 'running') {
          clearInterval(t);
          resolve();
        }
      }, 2);
    });
    const job = await queue.cancel(id);
    expect(job.state).toBe('cancelled');
    const inversionSteps = progress.get(id)!.filter((p) => p.message?.startsWith('inversion')).length;
    expect(inversionSteps).toBeLessThan(40);
    const gens = listGenerations(lib, { renderId });
    expect(gens.length).toBe(before + 1);
    expect(gens.at(-1)!.status).toBe('cancelled');
    expect(gens.at(-1)!.output).toBeNull();
  });

  it('records a shot the engine refuses as failed, with the reason', async () => {
    // 2 steps x 0.3 strength leaves no step to run
    const job = await queue.whenSettled(queue.submit('generate', { ...base(), steps: 2, strength: 0.3, seed: 12 }).id);
    expect(job.state).toBe('failed');
    expect(job.error!.code).toMatch(/strength|bad-option/);
    const last = listGenerations(lib, { renderId }).at(-1)!;
    expect(last).toMatchObject({ status: 'failed', seed: 12, output: null });
    expect(last.error).toBe(job.error!.message);
    expect(last.error).toMatch(/strength/);
  });

  it('marks generations whose owner is gone as failed and leaves those of a live owner running', () => {
    // a process that has exited: its id names no process on this machine any more
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const orphan = insertGeneration(lib, { source: { renderId }, model: modelDir, seed: 1, status: 'running', owner: { ...thisProcessOwner(), pid: dead } });
    const live = startOwnedGeneration(lib, { source: { renderId }, model: modelDir, seed: 3 });
    const queued = insertGeneration(lib, { source: { renderId }, model: modelDir, seed: 2 });
    try {
      expect(settleOrphans(lib)).toEqual([orphan.id]);
      expect(getGeneration(lib, orphan.id)).toMatchObject({ status: 'failed', error: expect.stringContaining(`interrupted: the process that ran it (pid ${dead} on `) });
      expect(getGeneration(lib, live.generation.id).status).toBe('running');
      // an owner that stopped renewing its lease is gone too, even with its process id in use
      expect(settleOrphans(lib, { now: Date.now() + LEASE_MS - 1000 })).toEqual([]);
      expect(settleOrphans(lib, { now: Date.now() + LEASE_MS + 1000 })).toEqual([live.generation.id]);
    } finally {
      live.release();
    }
    expect(getGeneration(lib, queued.id).status).toBe('queued');
  });

  it('settles a running row without an owner (written before owners were recorded) only when it started before this process', () => {
    const ownerless = insertGeneration(lib, { source: { renderId }, model: modelDir, seed: 4, status: 'running' });
    expect(settleOrphans(lib, { ownerlessBefore: new Date(Date.parse(ownerless.startedAt!) - 60_000) })).toEqual([]);
    expect(settleOrphans(lib, { ownerlessBefore: new Date(Date.now() + 60_000) })).toEqual([ownerless.id]);
    expect(getGeneration(lib, ownerless.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^interrupted: /) });
  });
});

describe('the sweep job', () => {
  it('orders cells by strength and drops repeats', () => {
    expect(sweepOrder([{ tacRatio: 1, strength: 0.5 }, { tacRatio: 0.5, strength: 0.2 }, { tacRatio: 0.5, strength: 0.5 }, { tacRatio: 1, strength: 0.5 }])).toEqual([
      { tacRatio: 0.5, strength: 0.2 },
      { tacRatio: 0.5, strength: 0.5 },
      { tacRatio: 1, strength: 0.5 },
    ]);
  });

  it('renders one generation per cell, inverting each strength once', async () => {
    const grid = [0.3, 0.6].flatMap((strength) => [0, 1].map((tacRatio) => ({ tacRatio, strength })));
    const id = queue.submit('sweep', { ...base(), steps: 10, seed: 11, grid }).id;
    const job = await queue.whenSettled(id);
    expect(job.error).toBeUndefined();
    const cells = (job.result as { cells: SweepCellResult[] }).cells;
    expect(cells.map((c) => [c.strength, c.tacRatio])).toEqual([[0.3, 0], [0.3, 1], [0.6, 0], [0.6, 1]]);
    // the first cell of a strength may find an inversion of an earlier test; the second always does
    expect(cells[1]!.inversionCached).toBe(true);
    expect(cells[3]!.inversionCached).toBe(true);
    expect(cells[2]!.inversionCached).toBe(false);
    for (const c of cells) {
      const g = getGeneration(lib, c.generationId);
      expect(g).toMatchObject({ status: 'done', output: c.output });
      expect(g.params).toMatchObject({ strength: c.strength, tacRatio: c.tacRatio });
      expect(existsSync(join(libDir, c.outputPath))).toBe(true);
    }
    // TAC 0 and TAC 1 differ at the same strength
    expect(cells[0]!.output).not.toBe(cells[1]!.output);
    const p = progress.get(id)!;
    // 3 + 3 (strength 0.3) + 3, then 6 + 6 + 6
    expect(p.at(-1)).toMatchObject({ step: 27, total: 27 });
    expect(p.map((x) => x.step)).toEqual([...p.map((x) => x.step)].sort((a, b) => a - b));
  });
});
