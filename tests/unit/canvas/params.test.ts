import { describe, expect, it } from 'vitest';
import { sweepGrid } from '../../../renderer/src/lib/params';
import { decodeMask, encodeMask } from '../../../renderer/canvas/mask-codec';
import { MaskBitmap } from '../../../renderer/canvas/mask-bitmap';

// the TAC step count the panel shows is tested with the engine's (tests/unit/pipeline/step-counts.test.ts)
describe('sweep grid', () => {
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
