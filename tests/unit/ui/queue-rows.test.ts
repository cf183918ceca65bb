import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../../preload/api/job-types';
import { dropInOrder, formatSeconds, keyParamsOfJob, moveInOrder, queueRows } from '../../../renderer/src/lib/queue-rows';

const job = (id: string, state: JobInfo['state'], extra: Partial<JobInfo> = {}): JobInfo => ({ id, kind: 'generate', state, params: {}, createdAt: 0, ...extra });

describe('queue drawer rows', () => {
  it('lists the running job, then the queued ones in queue order, then the finished ones newest first', () => {
    const jobs = [job('old', 'done', { finishedAt: 1 }), job('q1', 'queued'), job('run', 'running'), job('q2', 'queued'), job('new', 'failed', { finishedAt: 9 }), job('q3', 'queued')];
    expect(queueRows(jobs, ['q2', 'q1']).map((j) => j.id)).toEqual(['run', 'q2', 'q1', 'q3', 'new', 'old']);
  });

  it('moves a queued job one place with Alt+Up/Down and stops at the ends', () => {
    expect(moveInOrder(['a', 'b', 'c'], 'c', -1)).toEqual(['a', 'c', 'b']);
    expect(moveInOrder(['a', 'b', 'c'], 'a', 1)).toEqual(['b', 'a', 'c']);
    expect(moveInOrder(['a', 'b', 'c'], 'a', -1)).toEqual(['a', 'b', 'c']);
    expect(moveInOrder(['a', 'b', 'c'], 'c', 1)).toEqual(['a', 'b', 'c']);
  });

  it('drops a dragged job before another, or last', () => {
    expect(dropInOrder(['a', 'b', 'c', 'd'], 'd', 'b')).toEqual(['a', 'd', 'b', 'c']);
    expect(dropInOrder(['a', 'b', 'c', 'd'], 'a', null)).toEqual(['b', 'c', 'd', 'a']);
    expect(dropInOrder(['a', 'b', 'c'], 'b', 'b')).toEqual(['a', 'c', 'b']);
  });

  it('says the key settings of a generate and a sweep', () => {
    expect(keyParamsOfJob(job('g', 'queued', { params: { strength: 0.4, tacRatio: 0.5, steps: 20, maxSide: 256 } }))).toBe('strength 0.4 · TAC 0.5 · 20 steps · 256 px');
    expect(keyParamsOfJob(job('s', 'queued', { kind: 'sweep', params: { strength: 0.4, grid: [{}, {}, {}], steps: 10 } }))).toBe('3 cells · 10 steps');
  });

  it('writes durations people read', () => {
    expect([formatSeconds(4.4), formatSeconds(60), formatSeconds(125), formatSeconds(3600), formatSeconds(3780)]).toEqual(['4 s', '1 min', '2 min 5 s', '1 h', '1 h 3 min']);
  });
});
