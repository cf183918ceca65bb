import { describe, expect, it } from 'vitest';
import { boxFromPixels, clampBox, MIN_BOX_SIDE, nudgeBox } from '../../../renderer/src/lib/outfit-box';

describe('outfit layout boxes (the Dress canvas)', () => {
  it('keeps a moved box inside the canvas without changing its size', () => {
    expect(clampBox({ x: 0.9, y: -0.2, w: 0.3, h: 0.4 })).toEqual({ x: 0.7, y: 0, w: 0.3, h: 0.4 });
    expect(clampBox({ x: 0.5, y: 0.5, w: 0, h: 2 })).toEqual({ x: 0.5, y: 0, w: MIN_BOX_SIDE, h: 1 });
  });

  it('nudges by 1% with an arrow key and 5% with Shift, stopping at the edge; other keys do nothing', () => {
    const b = { x: 0.3, y: 0.2, w: 0.4, h: 0.3 };
    expect(nudgeBox(b, 'ArrowRight', false)).toEqual({ x: 0.31, y: 0.2, w: 0.4, h: 0.3 });
    expect(nudgeBox(b, 'ArrowUp', true)).toEqual({ x: 0.3, y: 0.15, w: 0.4, h: 0.3 });
    expect(nudgeBox({ ...b, x: 0.595 }, 'ArrowRight', true)).toEqual({ x: 0.6, y: 0.2, w: 0.4, h: 0.3 });
    expect(nudgeBox(b, 'Enter', false)).toBeUndefined();
  });

  it('turns a rectangle on a 200x300 stage into fractions', () => {
    expect(boxFromPixels({ x: 50, y: 60, width: 100, height: 90 }, 200, 300)).toEqual({ x: 0.25, y: 0.2, w: 0.5, h: 0.3 });
  });
});
