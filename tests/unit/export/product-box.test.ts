import { describe, expect, it } from 'vitest';
import { borderColour, paintBackground, placeProduct, productBox } from '../../../main/export/product-box';
import { renderPixels } from './fixtures';

const img = (spec: Parameters<typeof renderPixels>[0]) => ({ data: renderPixels(spec), width: spec.width, height: spec.height });

describe('product bounding box on a uniform background', () => {
  it('finds the product rectangle exactly on white and on a grey backdrop', () => {
    const product = { left: 13, top: 7, width: 41, height: 77 };
    expect(productBox(img({ width: 64, height: 96, background: { r: 255, g: 255, b: 255 }, product }))).toEqual(product);
    expect(productBox(img({ width: 64, height: 96, background: { r: 128, g: 128, b: 132 }, product }))).toEqual(product);
  });

  it('uses alpha on transparent renders', () => {
    const product = { left: 0, top: 5, width: 10, height: 3 };
    expect(productBox(img({ width: 20, height: 20, background: { r: 0, g: 0, b: 0, alpha: 0 }, product }))).toEqual(product);
  });

  it('ignores noise within the tolerance and returns undefined for an empty render', () => {
    const i = img({ width: 30, height: 30, background: { r: 240, g: 240, b: 240 }, product: { left: 0, top: 0, width: 0, height: 0 } });
    i.data[(15 * 30 + 15) * 4] = 250; // +10: sensor-like noise
    expect(productBox(i)).toBeUndefined();
    i.data[(15 * 30 + 15) * 4] = 100;
    expect(productBox(i)).toEqual({ left: 15, top: 15, width: 1, height: 1 });
  });

  it('reads the backdrop from the border even when the product touches an edge', () => {
    const i = img({ width: 40, height: 40, background: { r: 200, g: 210, b: 220 }, product: { left: 0, top: 0, width: 40, height: 10 } });
    expect(borderColour(i)).toMatchObject({ r: 200, g: 210, b: 220, a: 255 });
    expect(productBox(i)).toEqual({ left: 0, top: 0, width: 40, height: 10 });
  });
});

describe('painting the backdrop', () => {
  it('turns the border-connected backdrop white and keeps backdrop-coloured holes inside the product', () => {
    const spec = { width: 20, height: 20, background: { r: 90, g: 90, b: 90 }, product: { left: 5, top: 5, width: 10, height: 10 } };
    const i = img(spec);
    // a backdrop-coloured pixel enclosed by the garment
    const hole = (10 * 20 + 10) * 4;
    i.data.set([90, 90, 90, 255], hole);
    const painted = paintBackground(i, { r: 255, g: 255, b: 255 });
    expect(painted).toBe(400 - 100);
    expect([...i.data.subarray(0, 4)]).toEqual([255, 255, 255, 255]);
    expect([...i.data.subarray(hole, hole + 4)]).toEqual([90, 90, 90, 255]);
  });

  it('gives the same pixels inside the product box when limited to it', () => {
    const spec = { width: 40, height: 30, background: { r: 90, g: 90, b: 90 }, product: { left: 5, top: 4, width: 20, height: 20 } };
    const full = img(spec);
    const boxed = img(spec);
    // a notch of backdrop cut into the garment from its edge, and an enclosed hole
    for (let y = 4; y < 14; y++) {
      full.data.set([90, 90, 90, 255], (y * 40 + 15) * 4);
      boxed.data.set([90, 90, 90, 255], (y * 40 + 15) * 4);
    }
    full.data.set([90, 90, 90, 255], (20 * 40 + 20) * 4);
    boxed.data.set([90, 90, 90, 255], (20 * 40 + 20) * 4);
    const box = productBox(boxed)!;
    expect(box).toEqual(spec.product);
    paintBackground(full, { r: 255, g: 255, b: 255 });
    expect(paintBackground(boxed, { r: 255, g: 255, b: 255 }, { within: box })).toBe(10);
    for (let y = box.top; y < box.top + box.height; y++) {
      const a = full.data.subarray((y * 40 + box.left) * 4, (y * 40 + box.left + box.width) * 4);
      const b = boxed.data.subarray((y * 40 + box.left) * 4, (y * 40 + box.left + box.width) * 4);
      expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    }
    expect([...boxed.data.subarray((15 + 40 * 8) * 4, (15 + 40 * 8) * 4 + 3)]).toEqual([255, 255, 255]);
    expect([...boxed.data.subarray((20 * 40 + 20) * 4, (20 * 40 + 20) * 4 + 3)]).toEqual([90, 90, 90]);
  });
});

describe('placing the product', () => {
  it('makes a tall product span at least 85% of a square frame, centred', () => {
    const p = placeProduct({ width: 300, height: 700 }, { width: 2000, height: 2000 }, 0.85);
    expect(p.height).toBe(1700);
    expect(p.width).toBe(Math.round((300 * 1700) / 700));
    expect(p.top).toBe(150);
    expect(p.left).toBe(Math.floor((2000 - p.width) / 2));
    expect(p.fill).toBeGreaterThanOrEqual(0.85);
  });

  it('limits by width for a wide product and rounds up, never under the fill', () => {
    for (const side of [1000, 1001, 1333, 2000]) {
      const p = placeProduct({ width: 999, height: 10 }, { width: side, height: side }, 0.85);
      expect(p.width).toBe(Math.ceil(0.85 * side - 1e-9));
      expect(p.width / side).toBeGreaterThanOrEqual(0.85);
    }
  });

  it('fits a portrait frame (Zalando) by the axis that limits', () => {
    const p = placeProduct({ width: 500, height: 500 }, { width: 1801, height: 2600 }, 0.9);
    expect(p.width).toBe(Math.ceil(0.9 * 1801));
    expect(p.height).toBe(p.width);
    expect(p.top + p.height).toBeLessThanOrEqual(2600);
  });
});
