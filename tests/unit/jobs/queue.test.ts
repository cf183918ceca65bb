import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { ApiEvent } from '../../../preload/api/contract';
import type { JobInfo } from '../../../preload/api/job-types';
import { isUserError } from '../../../main/common/errors';
import { forkWorkerFactory } from '../../../main/jobs/fork-worker';
import { forkJobWorker } from '../../../main/api/job-worker';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import { JobQueue } from '../../../main/jobs/queue';
import { jobKinds as productionKinds } from '../../../main/api/job-kinds';
import { jobKinds as testKinds, TINY_PNG } from './fixtures/test-kinds';

const kindsModule = fileURLToPath(new URL('./fixtures/test-kinds.ts', import.meta.url));
const kinds = [...productionKinds, ...testKinds];

function forkedQueue(cancelGraceMs = 400) {
  const events: ApiEvent[] = [];
  const queue = new JobQueue({ kinds, worker: forkJobWorker({ kindModules: [kindsModule] }), emit: (e) => events.push(e), cancelGraceMs });
  return { queue, events };
}

function updatesOf(events: ApiEvent[], id: string): string[] {
  return events.filter((e) => e.type === 'job.updated' && e.payload.id === id).map((e) => (e.payload as JobInfo).state);
}

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('job queue with forked workers', () => {
  const { queue, events } = forkedQueue();
  afterAll(() => queue.close());

  it('runs a job in a worker process, with progress, previews and the result', async () => {
    const job = queue.submit('slow', { steps: 3, ms: 5 });
    expect(job.state).toBe('queued');
    const done = await queue.whenSettled(job.id);
    expect(done.state).toBe('done');
    const result = done.result as { steps: number; pid: number };
    expect(result.steps).toBe(3);
    expect(result.pid).not.toBe(process.pid);
    const progress = events.filter((e) => e.type === 'job.progress' && e.payload.id === job.id).map((e) => (e.payload as { progress: { step: number; total: number; preview?: string } }).progress);
    expect(progress.map((p) => `${p.step}/${p.total}`)).toEqual(['1/3', '2/3', '3/3']);
    expect(progress.every((p) => p.preview === TINY_PNG)).toBe(true);
    expect(updatesOf(events, job.id)).toEqual(['queued', 'running', 'done']);
    expect(done.startedAt).toBeGreaterThanOrEqual(done.createdAt);
    expect(done.finishedAt).toBeGreaterThanOrEqual(done.startedAt!);
  });

  it('keeps a user error from the handler and keeps the worker', async () => {
    const before = (await queue.whenSettled(queue.submit('pid', {}).id)).result;
    const failed = await queue.whenSettled(queue.submit('fail', { file: 'shirt.png' }).id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toEqual({ code: 'bad-render', message: 'shirt.png is not an image', hint: 'Pick a PNG or JPEG render.' });
    const after = (await queue.whenSettled(queue.submit('pid', {}).id)).result;
    expect(after).toBe(before);
  });

  it('marks a job failed with the reason when its worker crashes, and the next job gets a fresh worker', async () => {
    const before = (await queue.whenSettled(queue.submit('pid', {}).id)).result as number;
    const crashed = await queue.whenSettled(queue.submit('crash', { code: 3 }).id);
    expect(crashed.state).toBe('failed');
    expect(crashed.error!.code).toBe('worker-crashed');
    expect(crashed.error!.message).toMatch(/exited with code 3/);
    expect(crashed.error!.message).toMatch(/simulated native crash/);
    expect(crashed.error!.hint).toBeTruthy();
    expect(crashed.progress).toMatchObject({ step: 1, total: 3 });
    expect(updatesOf(events, crashed.id)).toEqual(['queued', 'running', 'failed']);
    const after = (await queue.whenSettled(queue.submit('pid', {}).id)).result as number;
    expect(after).not.toBe(before);
    expect(() => process.kill(before, 0)).toThrow();
  });

  it('cancels a cooperative job through its signal without killing the worker', async () => {
    const before = (await queue.whenSettled(queue.submit('pid', {}).id)).result;
    const job = queue.submit('slow', { steps: 1000, ms: 20 });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (queue.get(job.id).progress) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const started = Date.now();
    const cancelled = await queue.cancel(job.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.error).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(400);
    expect(cancelled.progress!.step).toBeLessThan(1000);
    const after = (await queue.whenSettled(queue.submit('pid', {}).id)).result;
    expect(after).toBe(before);
  });

  it('kills a worker that does not stop within the grace time', async () => {
    const before = (await queue.whenSettled(queue.submit('pid', {}).id)).result as number;
    const job = queue.submit('hang', {});
    while (!queue.get(job.id).progress) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    const cancelled = await queue.cancel(job.id);
    const took = Date.now() - started;
    expect(cancelled.state).toBe('cancelled');
    // a cancel is a cancel, not an error, even when the worker had to be ended
    expect(cancelled.error).toBeUndefined();
    expect(cancelled.note).toBe('cancelled inside a model call: its worker was ended after 400 ms');
    expect(updatesOf(events, job.id)).toEqual(['queued', 'running', 'cancelled']);
    expect(took).toBeGreaterThanOrEqual(390);
    const after = (await queue.whenSettled(queue.submit('pid', {}).id)).result as number;
    expect(after).not.toBe(before);
    await new Promise((r) => setTimeout(r, 50));
    expect(() => process.kill(before, 0)).toThrow();
  });

  it('cancels a queued job before it runs and runs the rest in order', async () => {
    const first = queue.submit('slow', { steps: 2, ms: 30 });
    const second = queue.submit('slow', { steps: 2, ms: 1 });
    const third = queue.submit('pid', {});
    expect(queue.get(second.id).state).toBe('queued');
    const cancelled = await queue.cancel(second.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.startedAt).toBeUndefined();
    expect((await queue.whenSettled(first.id)).state).toBe('done');
    expect((await queue.whenSettled(third.id)).state).toBe('done');
    expect(updatesOf(events, second.id)).toEqual(['queued', 'cancelled']);
    const order = queue.list().map((j) => j.id);
    expect(order.indexOf(first.id)).toBeLessThan(order.indexOf(third.id));
  });

  it('fails a job whose result cannot cross the process boundary', async () => {
    const job = await queue.whenSettled(queue.submit('unclonable', {}).id);
    expect(job.state).toBe('failed');
    expect(job.error!.code).toBe('job-result-not-cloneable');
  });

  it('runs the probe-providers job: cpu starts, with per-provider progress', async () => {
    const job = await queue.whenSettled(queue.submit('probe-providers', { providers: ['cpu'] }).id);
    expect(job.state).toBe('done');
    expect(job.result).toEqual([expect.objectContaining({ name: 'cpu', listed: true, starts: true })]);
    const messages = events.filter((e) => e.type === 'job.progress' && e.payload.id === job.id).map((e) => (e.payload as { progress: { message?: string } }).progress.message);
    expect(messages).toEqual(['probing cpu', 'done']);
  });
});

describe('job queue checks', () => {
  const queue = new JobQueue({ kinds, worker: inlineWorkerFactory(kinds) });
  afterAll(() => queue.close());

  it('rejects an unknown kind at submit, naming the known ones', () => {
    const err = catchSync(() => queue.submit('paint', {}));
    expect(isUserError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'unknown-job-kind', message: "there is no job kind 'paint'" });
    expect((err as { hint: string }).hint).toMatch(/probe-providers/);
  });

  it('rejects bad params at submit with the field', () => {
    const err = catchSync(() => queue.submit('slow', { steps: 'many', ms: 1 }));
    expect(err).toMatchObject({ code: 'invalid-arguments' });
    expect((err as Error).message).toMatch(/^slow job: param steps: /);
    expect(() => queue.submit('probe-providers', { providers: ['quantum'] })).toThrow(/param providers\.0/);
    expect(queue.list()).toEqual([]);
  });

  it('says when a job does not exist', async () => {
    expect(() => queue.get('nope')).toThrow(/there is no job nope/);
    await expect(queue.cancel('nope')).rejects.toMatchObject({ code: 'job-not-found' });
  });

  it('runs the same protocol on this thread with the inline worker', async () => {
    const job = await queue.whenSettled(queue.submit('slow', { steps: 2, ms: 0 }).id);
    expect(job.state).toBe('done');
    expect((job.result as { pid: number }).pid).toBe(process.pid);
    expect((await queue.whenSettled(queue.submit('unclonable', {}).id)).error!.code).toBe('job-result-not-cloneable');
  });

  it('forgets the oldest finished jobs beyond its limit', async () => {
    const small = new JobQueue({ kinds, worker: inlineWorkerFactory(kinds), keepFinished: 2 });
    const ids = [small.submit('pid', {}).id, small.submit('pid', {}).id, small.submit('pid', {}).id];
    await small.whenSettled(ids[2]!);
    expect(small.list().map((j) => j.id)).toEqual(ids.slice(1));
    await small.close();
  });
});

describe('running a job kind in this process (CLI)', () => {
  it('checks params, reports progress and stops on the signal', async () => {
    const { runJobHere } = await import('../../../main/jobs/run-here');
    const slow = testKinds.find((k) => k.name === 'slow')!;
    const steps: number[] = [];
    expect(await runJobHere(slow, { steps: 3, ms: 0 }, { onProgress: (p) => steps.push(p.step) })).toEqual({ steps: 3, pid: process.pid });
    expect(steps).toEqual([1, 2, 3]);
    await expect(runJobHere(slow, { steps: -1, ms: 0 })).rejects.toMatchObject({ code: 'invalid-arguments' });
    const controller = new AbortController();
    const seen: number[] = [];
    const run = runJobHere(slow, { steps: 100, ms: 5 }, { signal: controller.signal, onProgress: (p) => (seen.push(p.step), p.step === 2 && controller.abort()) });
    await expect(run).rejects.toThrow(/cancelled/);
    expect(seen).toEqual([1, 2]);
  });
});

describe('worker start-up', () => {
  it('fails the job with the reason when the worker cannot start, and stays usable', async () => {
    const queue = new JobQueue({ kinds, worker: forkWorkerFactory({ entry: fileURLToPath(new URL('./fixtures/no-such-worker.js', import.meta.url)) }) });
    const job = await queue.whenSettled(queue.submit('pid', {}).id);
    expect(job.state).toBe('failed');
    expect(job.error!.code).toBe('worker-crashed');
    expect(job.error!.message).toMatch(/exited with code 1: .*Cannot find module/);
    await queue.close();
  });

  it('speaks to the worker entry the way an Electron utility process does (process.parentPort)', async () => {
    const shim = fileURLToPath(new URL('./fixtures/parent-port-shim.ts', import.meta.url));
    const queue = new JobQueue({ kinds, worker: forkJobWorker({ kindModules: [kindsModule], execArgv: ['--import', shim] }) });
    const job = await queue.whenSettled(queue.submit('slow', { steps: 2, ms: 1 }).id);
    expect(job.state).toBe('done');
    expect(job.progress).toMatchObject({ step: 2, total: 2 });
    await queue.close();
  });
});

describe('the probe-providers job kind', () => {
  it('accepts exactly the providers the runtime knows', async () => {
    const { PROVIDER_TABLE } = await import('../../../main/inference/runtime/providers');
    const { probeProvidersJob } = await import('../../../main/jobs/kinds/probe-providers-job');
    for (const p of PROVIDER_TABLE) expect(probeProvidersJob.params.safeParse({ providers: [p.name] }).success, p.name).toBe(true);
    const schema = probeProvidersJob.params as unknown as { shape: { providers: { unwrap(): { element: { options: string[] } } } } };
    expect([...schema.shape.providers.unwrap().element.options].sort()).toEqual(PROVIDER_TABLE.map((p) => p.name).sort());
  });
});
