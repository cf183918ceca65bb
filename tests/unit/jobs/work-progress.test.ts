// progress that counts work, not steps, and the ETA from the pace so far
import { describe, expect, it } from 'vitest';
import { ShotWork, WorkMeter } from '../../../main/jobs/work-progress';
import { modelArchitecture } from '../../../main/shots/model-flops';
import { estimateShot } from '../../../main/shots/shot-estimate';

// the default method settings on an SD 1.5 shape, before anything was measured: K = 15, TAC = 13
const cost = estimateShot({ version: 1, entries: {} }, { provider: 'cpu', model: '/m', width: 512, height: 640, steps: 50, strength: 0.3, tacRatio: 0.9, arch: modelArchitecture('/no/model') });

describe('work-weighted progress', () => {
  it('weighs a generation step at 2 or 3 inversion steps', () => {
    const w = new ShotWork(cost);
    expect(w.tacStep / w.inversionStep).toBeCloseTo(3, 9);
    expect(w.plainStep / w.inversionStep).toBeCloseTo(2, 9);
    // all 15 inversion steps done is half the steps but well under half the work
    const afterInversion = w.doneAfter({ stage: 'inversion', step: 15 });
    expect(afterInversion / w.total).toBeLessThan(0.35);
    expect(afterInversion / w.total).toBeGreaterThan(0.2);
    const last = w.doneAfter({ stage: 'generation', step: 15 });
    expect(w.total - last).toBeCloseTo(w.tail, 9);
  });

  it('drops the inversion from the plan when the first step reported is a generation step (a cached inversion)', () => {
    const w = new ShotWork(cost);
    const full = w.total;
    const done = w.doneAfter({ stage: 'generation', step: 1 });
    expect(done).toBeCloseTo(w.tacStep, 9);
    expect(w.total).toBeCloseTo(full - w.encode - 15 * w.inversionStep, 9);
  });

  it('gives an ETA that falls step by step at a steady pace, and the plan before any step', () => {
    let now = 0;
    const w = new ShotWork(cost);
    const meter = new WorkMeter(w.total, () => now);
    now = 2000;
    expect(meter.progress(0).etaSeconds).toBeCloseTo(w.total - 2, 1);
    // the machine runs at 1.5x the estimate's seconds: every part takes 1.5x its weight
    const pace = 1.5;
    now = 0;
    const steady = new WorkMeter(w.total, () => now);
    const etas: number[] = [];
    let done = 0;
    const events = [...Array.from({ length: 15 }, (_, i) => ({ stage: 'inversion' as const, step: i + 1 })), ...Array.from({ length: 15 }, (_, i) => ({ stage: 'generation' as const, step: i + 1 }))];
    for (const e of events) {
      const next = w.doneAfter(e);
      now += (next - done) * pace * 1000;
      done = next;
      const p = steady.progress(done);
      etas.push(p.etaSeconds!);
      expect(p.etaSeconds).toBeCloseTo((w.total - done) * pace, 0);
    }
    for (let i = 1; i < etas.length; i++) expect(etas[i]!).toBeLessThan(etas[i - 1]!);
    expect(steady.progress(w.total)).toEqual({ work: { done: w.total, total: w.total }, etaSeconds: 0 });
  });
});
