import { describe, expect, it } from 'vitest';
import { actualSize, fitViewport, toImage, wheelZoom, zoomAt } from '../../../renderer/canvas/viewport';
import { colourise, parseHexColour } from '../../../renderer/canvas/overlay';
import { MaskBitmap } from '../../../renderer/canvas/mask-bitmap';

describe('viewport', () => {
  it('fits a tall image into a wide view, centred', () => {
    const v = fitViewport(768, 1024, 1000, 600, 0);
    expect(v.scale).toBeCloseTo(600 / 1024, 12);
    expect(v.y).toBeCloseTo(0, 12);
    expect(v.x).toBeCloseTo((1000 - 768 * v.scale) / 2, 12);
  });

  it('zooming keeps the image point under the cursor still', () => {
    const v = { scale: 0.5, x: 40, y: 30 };
    const before = toImage(v, 300, 200);
    const z = zoomAt(v, 2, 300, 200);
    const after = toImage(z, 300, 200);
    expect(after.x).toBeCloseTo(before.x, 10);
    expect(after.y).toBeCloseTo(before.y, 10);
    expect(wheelZoom(v, -100, 0, 0).scale).toBeCloseTo(0.625, 12);
    expect(actualSize(v, 800, 600).scale).toBe(1);
  });
});

describe('overlay colours', () => {
  it('puts the colour in RGB and the mask in alpha', () => {
    expect(parseHexColour('#ff3b30')).toEqual([255, 59, 48]);
    const m = new MaskBitmap(3, 2, Uint8Array.from([0, 128, 255, 1, 2, 3]));
    const out = new Uint8ClampedArray(2 * 2 * 4);
    colourise(m, { x: 1, y: 0, w: 2, h: 2 }, [10, 20, 30], out);
    expect([...out]).toEqual([10, 20, 30, 128, 10, 20, 30, 255, 10, 20, 30, 2, 10, 20, 30, 3]);
  });
});
