// the queue drawer's controls on the queue itself: pause/resume, reorder, Cancel all, Clear finished, Retry failed
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../preload/api/contract';
import type { JobInfo } from '../../../preload/api/job-types';
import { isUserError } from '../../../main/common/errors';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import { JobQueue } from '../../../main/jobs/queue';
import { jobKinds } from './fixtures/test-kinds';

const open: JobQueue[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

function queue() {
  const events: ApiEvent[] = [];
  const q = new JobQueue({ kinds: jobKinds, worker: inlineWorkerFactory(jobKinds), emit: (e) => events.push(e) });
  open.push(q);
  return { q, events };
}

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('queue management', () => {
  it('pause: the running job finishes, queued ones wait until resume, then run in order', async () => {
    const { q, events } = queue();
    const running = q.submit('slow', { steps: 3, ms: 10 });
    await tick(5);
    expect(q.pause()).toEqual({ paused: true, queued: [] });
    const a = q.submit('slow', { steps: 1, ms: 0 });
    const b = q.submit('slow', { steps: 1, ms: 0 });
    expect((await q.whenSettled(running.id)).state).toBe('done');
    await tick();
    expect([q.get(a.id).state, q.get(b.id).state]).toEqual(['queued', 'queued']);
    expect(q.queueState()).toEqual({ paused: true, queued: [a.id, b.id] });
    expect(q.resume()).toEqual({ paused: false, queued: [b.id] });
    const [da, db] = await Promise.all([q.whenSettled(a.id), q.whenSettled(b.id)]);
    expect(da.state).toBe('done');
    expect(db.startedAt!).toBeGreaterThanOrEqual(da.finishedAt!);
    const states = events.filter((e) => e.type === 'queue.updated').map((e) => (e.payload as { paused: boolean }).paused);
    expect(states).toContain(true);
    expect(states.at(-1)).toBe(false);
  });

  it('reorders queued jobs: the named ones first, the rest after in their order', async () => {
    const { q } = queue();
    q.pause();
    const [a, b, c, d] = [0, 1, 2, 3].map(() => q.submit('slow', { steps: 1, ms: 0 }).id) as [string, string, string, string];
    expect(q.reorder([d, b]).queued).toEqual([d, b, a, c]);
    // Alt+Up on c: the drawer sends the whole order
    expect(q.reorder([d, b, c, a]).queued).toEqual([d, b, c, a]);
    q.resume();
    const done = await Promise.all([a, b, c, d].map((id) => q.whenSettled(id)));
    const byStart = [...done].sort((x, y) => x.startedAt! - y.startedAt! || 0).map((j) => j.id);
    expect(byStart).toEqual([d, b, c, a]);
  });

  it('refuses to move a job that is not queued', async () => {
    const { q } = queue();
    const ran = await q.whenSettled(q.submit('slow', { steps: 1, ms: 0 }).id);
    let caught: unknown;
    try {
      q.reorder([ran.id]);
    } catch (err) {
      caught = err;
    }
    expect(isUserError(caught) && caught.code).toBe('job-not-queued');
    expect(() => q.reorder(['no-such-job'])).toThrow(/there is no job no-such-job/);
  });

  it('Cancel all stops the running job and the queued ones, reported as cancelled, never as errors', async () => {
    const { q, events } = queue();
    const running = q.submit('slow', { steps: 1000, ms: 5 });
    const queued = [q.submit('slow', { steps: 2, ms: 0 }), q.submit('pid', {})];
    while (!q.get(running.id).progress) await tick(2);
    expect(await q.cancelAll()).toBe(3);
    const all = [running, ...queued].map((j) => q.get(j.id));
    expect(all.map((j) => j.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(all.map((j) => j.error)).toEqual([undefined, undefined, undefined]);
    expect(queued.map((j) => q.get(j.id).startedAt)).toEqual([undefined, undefined]);
    const updates = events.filter((e) => e.type === 'job.updated').map((e) => e.payload as JobInfo);
    expect(updates.some((u) => u.state === 'failed' || u.error)).toBe(false);
    expect(q.queueState().queued).toEqual([]);
  });

  it('Clear finished forgets done, failed and cancelled jobs and leaves the queued ones', async () => {
    const { q, events } = queue();
    const done = await q.whenSettled(q.submit('pid', {}).id);
    const failed = await q.whenSettled(q.submit('fail', { file: 'x.png' }).id);
    q.pause();
    const waiting = q.submit('pid', {});
    await q.cancel(q.submit('pid', {}).id);
    expect(q.clearFinished()).toBe(3);
    expect(q.list().map((j) => j.id)).toEqual([waiting.id]);
    const removed = events.filter((e) => e.type === 'jobs.removed').flatMap((e) => (e.payload as { ids: string[] }).ids);
    expect(removed).toEqual(expect.arrayContaining([done.id, failed.id]));
    expect(removed).not.toContain(waiting.id);
  });

  it('Retry failed queues each failed job again with the same kind and params, in place of the failed row', async () => {
    const { q } = queue();
    const failed = await q.whenSettled(q.submit('fail', { file: 'shirt.png' }).id);
    const ok = await q.whenSettled(q.submit('pid', {}).id);
    q.pause();
    const again = q.retryFailed();
    expect(again).toHaveLength(1);
    const retried = q.get(again[0]!);
    expect(retried).toMatchObject({ kind: 'fail', params: { file: 'shirt.png' }, state: 'queued' });
    expect(retried.id).not.toBe(failed.id);
    expect(q.list().map((j) => j.id)).toEqual([ok.id, retried.id]);
    q.resume();
    expect((await q.whenSettled(retried.id)).error!.message).toBe('shirt.png is not an image');
  });
});
