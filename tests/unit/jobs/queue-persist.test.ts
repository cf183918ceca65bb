// the queue kept in the library: a new queue over the same library takes the unfinished jobs back
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLibrary, openLibrary, searchGarments, writeSampleLibrary, type Library } from '../../../main/catalog/index';
import { loadQueue, saveQueue } from '../../../main/catalog/queries/queue-jobs';
import { keepQueueInLibrary, libraryQueueStore } from '../../../main/api/queue-store';
import { LibraryHolder } from '../../../main/api/library-service';
import { createBackend } from '../../../main/api/index';
import { z } from 'zod';
import { defineJobKind, type AnyJobKind } from '../../../main/jobs/kind';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import { JobQueue } from '../../../main/jobs/queue';
import { jobKinds } from './fixtures/test-kinds';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function tempLibrary(): string {
  const dir = mkdtempSync(join(tmpdir(), 'r2r-queue-persist-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  createLibrary(dir).close();
  return dir;
}

function openIn(dir: string): Library {
  const lib = openLibrary(dir);
  cleanup.push(() => lib.close());
  return lib;
}

function queueOver(lib: Library): JobQueue {
  const q = new JobQueue({ kinds: jobKinds, worker: inlineWorkerFactory(jobKinds) });
  cleanup.push(() => q.close());
  q.attach(libraryQueueStore(lib));
  return q;
}

describe('the queue kept in the library', () => {
  it('restores queued jobs in order, the interrupted one first, with the paused state', async () => {
    const dir = tempLibrary();
    const first = queueOver(openIn(dir));
    const running = first.submit('slow', { steps: 1000, ms: 5 });
    while (!first.get(running.id).progress) await new Promise((r) => setTimeout(r, 2));
    const [x, y, z] = ['x.png', 'y.png', 'z.png'].map((file) => first.submit('fail', { file }).id) as [string, string, string];
    first.reorder([z]);
    first.pause();
    // a restart: the studio stops with one job running and three waiting
    await first.close();

    const lib = openIn(dir);
    expect(loadQueue(lib).jobs.map((j) => [j.id, j.state])).toEqual([[running.id, 'running'], [z, 'queued'], [x, 'queued'], [y, 'queued']]);
    const second = queueOver(lib);
    expect(second.queueState()).toEqual({ paused: true, queued: [running.id, z, x, y] });
    const back = second.get(running.id);
    expect(back).toMatchObject({ kind: 'slow', state: 'queued', params: { steps: 1000, ms: 5 }, createdAt: running.createdAt });
    expect(back.note).toMatch(/interrupted by a restart/);
    expect(second.get(z).params).toEqual({ file: 'z.png' });
  });

  it('keeps nothing of a job once it finished, and a cancelled queued job is gone from the library', async () => {
    const dir = tempLibrary();
    const lib = openIn(dir);
    const q = queueOver(lib);
    q.pause();
    const a = q.submit('pid', {});
    const b = q.submit('pid', {});
    expect(loadQueue(lib).jobs.map((j) => j.id)).toEqual([a.id, b.id]);
    await q.cancel(a.id);
    expect(loadQueue(lib)).toEqual({ paused: true, jobs: [expect.objectContaining({ id: b.id, state: 'queued' })] });
    q.resume();
    await q.whenSettled(b.id);
    expect(loadQueue(lib)).toEqual({ paused: false, jobs: [] });
  });

  it('brings a kept job of a kind this studio lacks back as failed, saying why, and runs the others', async () => {
    const dir = tempLibrary();
    const lib = openIn(dir);
    saveQueue(lib, {
      paused: false,
      jobs: [
        { id: 'gone-kind', kind: 'teleport', params: {}, state: 'queued', createdAt: 1 },
        { id: 'bad-params', kind: 'slow', params: { steps: 'many' }, state: 'queued', createdAt: 2 },
        { id: 'fine', kind: 'pid', params: {}, state: 'queued', createdAt: 3 },
      ],
    });
    const q = queueOver(lib);
    expect(q.get('gone-kind')).toMatchObject({ state: 'failed', error: { code: 'queue-restore-failed', message: "a kept teleport job could not be queued again: this studio has no job kind 'teleport'" } });
    expect(q.get('bad-params').error!.message).toMatch(/^a kept slow job could not be queued again: its params no longer pass/);
    expect((await q.whenSettled('fine')).state).toBe('done');
    expect(loadQueue(lib).jobs).toEqual([]);
  });

  it('keeps jobs queued under another library out of this one', async () => {
    const libA = openIn(tempLibrary());
    const libB = openIn(tempLibrary());
    const q = queueOver(libA);
    q.pause();
    const forA = q.submit('pid', {});
    q.attach(libraryQueueStore(libB));
    const forB = q.submit('pid', {});
    expect(loadQueue(libB).jobs.map((j) => j.id)).toEqual([forB.id]);
    expect(loadQueue(libA).jobs.map((j) => j.id)).toEqual([forA.id]);
  });
});

describe('queue rows name their render', () => {
  it('a job on a render of the open library carries its SKU, colorway, view and thumbnail; another library\'s does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'r2r-queue-subject-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const libDir = join(dir, 'lib');
    await writeSampleLibrary(libDir, { garments: 1, colorways: 1, views: ['front'], width: 32, height: 40 });
    const holder = new LibraryHolder({ recentFile: join(dir, 'recent.json') });
    const lib = holder.open(libDir);
    cleanup.push(() => holder.close());
    const render = searchGarments(lib, {}).garments[0]!;
    const shot = defineJobKind({ name: 'shot', summary: 'names a render', params: z.object({ library: z.string(), renderId: z.number() }), run: async () => 1 });
    const kinds = [shot as AnyJobKind];
    const q = new JobQueue({ kinds, worker: inlineWorkerFactory(kinds) });
    cleanup.push(() => q.close());
    keepQueueInLibrary(q, holder);
    q.pause();
    const job = q.submit('shot', { library: libDir + '/', renderId: render.renders[0]!.id });
    expect(job.subject).toEqual({ sku: render.sku, colorway: render.renders[0]!.colorway, view: 'front', thumb: render.renders[0]!.asset });
    expect(q.submit('shot', { library: join(dir, 'elsewhere'), renderId: render.renders[0]!.id }).subject).toBeUndefined();
    expect(q.submit('shot', { library: libDir, renderId: 999_999 }).subject).toBeUndefined();
  });
});

describe('the backend keeps its queue in the open library', () => {
  it('a new backend over the same library has the queued jobs back through the jobs API, paused', async () => {
    const dir = tempLibrary();
    const configDir = mkdtempSync(join(tmpdir(), 'r2r-queue-config-'));
    cleanup.push(() => rmSync(configDir, { recursive: true, force: true }));
    const before = process.env.R2R_CONFIG_DIR;
    process.env.R2R_CONFIG_DIR = configDir;
    cleanup.push(() => (before === undefined ? delete process.env.R2R_CONFIG_DIR : (process.env.R2R_CONFIG_DIR = before)));
    const start = () => createBackend({ library: dir, jobKinds, jobWorker: inlineWorkerFactory(jobKinds), metricsWorker: inlineWorkerFactory(jobKinds) });

    const first = start();
    await first.api.jobs.pause();
    const ids = [await first.api.jobs.submit('pid', {}), await first.api.jobs.submit('slow', { steps: 2, ms: 1 })];
    await first.api.jobs.reorder([ids[1]!]);
    await first.close();

    const second = start();
    cleanup.push(() => second.close());
    expect(await second.api.jobs.queue()).toEqual({ paused: true, queued: [ids[1], ids[0]] });
    expect((await second.api.jobs.list()).map((j) => [j.id, j.state])).toEqual([[ids[1], 'queued'], [ids[0], 'queued']]);
    await second.api.jobs.resume();
    expect((await second.jobs.whenSettled(ids[0]!)).state).toBe('done');
  });
});
