import { describe, expect, it } from 'vitest';
import { sweepGrid, tacSteps } from '../../../renderer/src/lib/params';
import { decodeMask, encodeMask } from '../../../renderer/canvas/mask-codec';
import { MaskBitmap } from '../../../renderer/canvas/mask-bitmap';

describe('TAC steps', () => {
  it('follows the reference code: K = int(steps*strength), n = int(K*ratio)', () => {
    // architecture.md: 50 steps at strength 0.3 use 15 timesteps; 0.9 of them is 13
    expect(tacSteps(50, 0.3, 0.9)).toEqual({ n: 13, k: 15 });
    expect(tacSteps(50, 0.3, 1)).toEqual({ n: 15, k: 15 });
    expect(tacSteps(20, 0.55, 0.5)).toEqual({ n: 5, k: 11 });
    expect(tacSteps(10, 0.05, 0.9)).toEqual({ n: 0, k: 0 });
  });

  it('builds the sweep grid row by row (strength rows, ratio columns)', () => {
    const g = sweepGrid([0.5, 1], [0.2, 0.3]);
    expect(g).toEqual([
      { tacRatio: 0.5, strength: 0.2 },
      { tacRatio: 1, strength: 0.2 },
      { tacRatio: 0.5, strength: 0.3 },
      { tacRatio: 1, strength: 0.3 },
    ]);
  });
});

describe('mask codec', () => {
  it('round-trips a mask through deflate and base64', () => {
    const m = new MaskBitmap(300, 200);
    for (let i = 0; i < m.data.length; i += 7) m.data[i] = (i * 31) % 256;
    const enc = encodeMask(m);
    expect(enc.deflated).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    expect(Buffer.from(decodeMask(enc))).toEqual(Buffer.from(m.data));
  });
});
