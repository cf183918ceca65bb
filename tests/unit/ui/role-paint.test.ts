import { describe, expect, it } from 'vitest';
import { paintRoles } from '../../../renderer/src/lib/role-paint';

// RGBA pixels: garment red, face blue (a little off, as a resampled mask is), yellow hair (no role), background black
const labels = new Uint8ClampedArray([255, 0, 0, 255, 10, 20, 230, 255, 255, 255, 0, 255, 0, 0, 0, 255]);

describe("the Regions panel's role colours on the canvas", () => {
  it('paints only the shown roles, in their label colours, and leaves pixels of no role clear', () => {
    const out = new Uint8ClampedArray(labels.length);
    expect(paintRoles(labels, out, ['garment', 'face'], 120)).toBe(2);
    expect([...out]).toEqual([255, 0, 0, 120, 0, 0, 255, 120, 0, 0, 0, 0, 0, 0, 0, 0]);
    const all = new Uint8ClampedArray(labels.length);
    expect(paintRoles(labels, all, ['background', 'garment', 'skin', 'face'], 50)).toBe(3);
    expect([...all.slice(12)]).toEqual([0, 0, 0, 50]);
  });
});
