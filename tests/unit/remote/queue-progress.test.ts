import { describe, expect, it } from 'vitest';
import type { WorkerState } from '../../../main/remote/heartbeat';
import { formatEta, queueProgress, queueProgressLines } from '../../../main/remote/queue-progress';

function worker(id: string, host: string, shotsPerMin: number, current: WorkerState['current'] = [], provider = 'cpu'): WorkerState {
  return { id, host, pid: 1, provider, model: 'tiny', concurrency: 1, current, shotsDone: 0, shotsFailed: 0, shotsPerMin, startedAt: '', updatedAt: '' };
}

describe('r2r export --queue progress', () => {
  it('totals the workers’ rates and estimates the time left from them', () => {
    const ws = [worker('a-1', 'a', 12), worker('b-2', 'b', 18)];
    // 45 shots at 30/min: 90 s
    expect(queueProgress(ws, 45)).toEqual({ shotsPerMin: 30, etaS: 90 });
    expect(queueProgress([worker('a-1', 'a', 0)], 45)).toEqual({ shotsPerMin: 0, etaS: null });
  });

  it('formats the ETA in seconds, minutes or hours', () => {
    expect([formatEta(0), formatEta(59), formatEta(75), formatEta(3599), formatEta(3725)]).toEqual(['0 s', '59 s', '1 min 15 s', '59 min 59 s', '1 h 2 min']);
  });

  it('prints a total line, then one line per worker with host, provider, current shot and rate', () => {
    const ws = [worker('gpu1-77', 'gpu1', 40, [{ jobId: 'j', label: 'SKU1 navy front', step: 4, of: 10 }], 'cuda'), worker('gpu2-8', 'gpu2', 20)];
    expect(queueProgressLines(ws, 150)).toEqual([
      '150 shot(s) left, 2 worker(s), 60 shots/min, ETA 2 min 30 s',
      '  gpu1-77 (gpu1, cuda): SKU1 navy front step 4/10, 40/min',
      '  gpu2-8 (gpu2, cpu): idle, 20/min',
    ]);
  });

  it('says how to start a worker when none is there, and that the ETA waits for a first shot', () => {
    expect(queueProgressLines([], 3)).toEqual(['3 shot(s) left, 0 worker(s), 0 shots/min, ETA unknown until a shot is made; start one with `r2r worker --redis <url>`']);
  });
});
