// a generate job interrupted by a restart runs again first and reuses the inversion the shot cache kept
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApiEvent } from '../../../preload/api/contract';
import type { GenerateJobResult } from '../../../preload/api/generation-types';
import { getGeneration, listGenerations, openLibrary, searchGarments, writeSampleLibrary, type Library } from '../../../main/catalog/index';
import { libraryQueueStore } from '../../../main/api/queue-store';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import type { AnyJobKind } from '../../../main/jobs/kind';
import { generateJob } from '../../../main/jobs/kinds/generate-job';
import { JobQueue } from '../../../main/jobs/queue';
import { releaseCachedModel } from '../../../main/shots/index';

const dir = mkdtempSync(join(tmpdir(), 'r2r-queue-resume-'));
const libDir = join(dir, 'lib');
const modelDir = join(dir, 'tiny');
const kinds = [generateJob as AnyJobKind];
let lib: Library;
let renderId: number;

beforeAll(async () => {
  process.env.R2R_CACHE_DIR = join(dir, 'cache');
  await writeSampleLibrary(libDir, { garments: 1, colorways: 1, views: ['front'], width: 64, height: 80 });
  writeDemoModel(modelDir, { seed: 3 });
  lib = openLibrary(libDir);
  renderId = searchGarments(lib, {}).garments[0]!.renders[0]!.id;
});

afterAll(async () => {
  await releaseCachedModel();
  lib?.close();
  delete process.env.R2R_CACHE_DIR;
  rmSync(dir, { recursive: true, force: true });
});

function queueWith(onMessage: (e: ApiEvent) => void): JobQueue {
  const q = new JobQueue({ kinds, worker: inlineWorkerFactory(kinds), emit: onMessage, cancelGraceMs: 10_000 });
  q.attach(libraryQueueStore(lib));
  return q;
}

it('re-queues the interrupted generation first and resumes it from the cached inversion', async () => {
  const params = {
    library: libDir, renderId, model: modelDir, steps: 60, strength: 1, tacRatio: 0.5, tacLevels: 2, guidance: 7.5, seed: 21,
    prompt: '', negative: { kind: 'prompt' as const, text: '' }, maxSide: 64, provider: 'cpu',
  };
  let generating: () => void;
  const inGeneration = new Promise<void>((r) => (generating = r));
  const first = queueWith((e) => {
    if (e.type === 'job.progress' && e.payload.progress.message?.startsWith('generation')) generating();
  });
  const interrupted = first.submit('generate', params);
  const waiting = first.submit('generate', { ...params, seed: 22, steps: 4 });
  await inGeneration;
  // the restart: the studio stops mid-generation, after the inversion was kept
  await first.close();
  while (listGenerations(lib, { renderId }).some((g) => g.status === 'running')) await new Promise((r) => setTimeout(r, 10));

  const messages: string[] = [];
  const second = queueWith((e) => {
    if (e.type === 'job.progress' && e.payload.id === interrupted.id && e.payload.progress.message) messages.push(e.payload.progress.message);
  });
  // taken back on attach: the interrupted job runs at once, the other waits behind it
  expect(second.get(interrupted.id).state).toBe('running');
  expect(second.queueState().queued).toEqual([waiting.id]);
  const resumed = await second.whenSettled(interrupted.id);
  expect(resumed.state).toBe('done');
  const gen = getGeneration(lib, (resumed.result as GenerateJobResult).generationId);
  expect(gen.metrics).toMatchObject({ inversionCached: true });
  // no inversion step ran again: only generation steps and the finish
  expect(messages.some((m) => m.startsWith('inversion'))).toBe(false);
  expect((await second.whenSettled(waiting.id)).state).toBe('done');
  await second.close();
}, 120_000);
