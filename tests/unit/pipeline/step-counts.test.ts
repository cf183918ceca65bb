import { describe, expect, it } from 'vitest';
import { isUserError } from '../../../main/common/errors';
import { stepCounts } from '../../../preload/api/step-counts';
import { ddimSchedule } from '../../../main/inference/pipelines/ddim-schedule';
import { DEFAULT_R2R_PARAMS, runR2R } from '../../../main/inference/pipelines/r2r';
import { FakeModel, fakeSchedule } from './fake-model';

// [steps, strength, ratio, int(steps*strength), int(steps*strength*ratio)] as Python 3 computes them
// (python3 -c "print(int(s*st), int(s*st*r))"), the reference code's arithmetic
const PYTHON: [number, number, number, number, number][] = [
  [50, 0.3, 0.9, 15, 13],
  [50, 0.3, 0.5, 15, 7],
  [100, 0.29, 0.9, 28, 26], // 100 * 0.29 = 28.999999999999996
  [10, 0.15, 0.9, 1, 1], // int(1.35) = 1; int(K * 0.9) would be 0
  [50, 0.25, 0.9, 12, 11],
  [30, 0.35, 0.7, 10, 7],
  [20, 0.45, 0.9, 9, 8],
  [50, 0.3, 1.0, 15, 15],
  [50, 0.3, 0.0, 15, 0],
  [25, 0.3, 0.9, 7, 6],
  [40, 0.7, 0.3, 28, 8],
  [50, 0.01, 0.9, 0, 0],
  [50, 0.02, 0.5, 1, 0],
  [20, 0.55, 0.5, 11, 5],
];

describe('step counts', () => {
  it('match Python\'s int(steps * strength) and int(steps * strength * ratio) exactly', () => {
    for (const [steps, strength, ratio, k, tac] of PYTHON) expect([steps, strength, ratio, stepCounts(steps, strength, ratio)]).toEqual([steps, strength, ratio, { k, tacSteps: tac }]);
  });

  it('are what the schedule and the loop run', async () => {
    expect(ddimSchedule({}, 100, 0.29).generation).toHaveLength(28);
    const res = await runR2R(new FakeModel(), fakeSchedule(10, 0.15), { source: { path: 'mem', width: 64, height: 64, channels: 3, depth: 8, grey: false, data: new Uint8Array(64 * 64 * 3).fill(90), format: 'raw' } }, { ...DEFAULT_R2R_PARAMS, steps: 10, strength: 0.15, width: 64, height: 64 });
    expect([res.k, res.tacSteps, res.unetCalls.map((c) => c.batch)]).toEqual([1, 1, [1, 3]]);
  });

  it('K = 0 is a user error naming the product, not a raw exception', async () => {
    const err = await runR2R(new FakeModel(), fakeSchedule(50, 0.3), { source: { path: 'mem', width: 64, height: 64, channels: 3, depth: 8, grey: false, data: new Uint8Array(64 * 64 * 3), format: 'raw' } }, { ...DEFAULT_R2R_PARAMS, strength: 0.01 }).catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('bad-option');
    expect((err as Error).message).toMatch(/K = int\(50 x 0.01\) = 0/);
    expect(() => ddimSchedule({}, 50, 0.01)).toThrow(/no denoising step/);
  });
});
