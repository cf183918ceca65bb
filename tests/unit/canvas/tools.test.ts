import { describe, expect, it } from 'vitest';
import { MaskEditor } from '../../../renderer/canvas/editor';
import { brushCoverage } from '../../../renderer/canvas/paint/dab';
import type { RgbaImage } from '../../../renderer/canvas/paint/flood-fill';

function editor(w = 100, h = 80) {
  const e = new MaskEditor(w, h);
  return e;
}

const drag = (e: MaskEditor, points: [number, number][], mods: { alt?: boolean; shift?: boolean } = {}) => {
  const [first, ...rest] = points;
  e.pointerDown({ x: first![0], y: first![1], ...mods });
  for (const [x, y] of rest) e.pointerMove({ x, y, ...mods });
  const last = points.at(-1)!;
  e.pointerUp({ x: last[0], y: last[1], ...mods });
};

describe('brush and eraser', () => {
  it('a hard dab covers the pixels whose centres are within the radius of the pixel under the pointer', () => {
    const e = editor();
    e.settings = { ...e.settings, size: 20, hardness: 1 };
    drag(e, [[50, 40]]);
    const m = e.doc.layers.edit;
    // the dab sits on the centre of pixel (50,40): count pixel centres within r=10 of (50.5,40.5)
    let expected = 0;
    for (let y = 0; y < 80; y++) for (let x = 0; x < 100; x++) if (Math.hypot(x + 0.5 - 50.5, y + 0.5 - 40.5) < 10) expected++;
    expect(m.coverage()).toBe(expected);
    expect(Math.abs(expected - Math.PI * 100)).toBeLessThan(10);
    expect(m.get(50, 40)).toBe(255);
    expect(m.get(50, 51)).toBe(0);
  });

  it('a soft brush falls off smoothly between hardness*radius and radius', () => {
    expect(brushCoverage(0, 10, 0.5)).toBe(1);
    expect(brushCoverage(5, 10, 0.5)).toBe(1);
    expect(brushCoverage(7.5, 10, 0.5)).toBeCloseTo(0.5, 10);
    expect(brushCoverage(10, 10, 0.5)).toBe(0);
    expect(brushCoverage(6, 10, 0.5)).toBeGreaterThan(brushCoverage(9, 10, 0.5));
  });

  it('a stroke is one undo step and the eraser removes paint', () => {
    const e = editor();
    e.settings = { ...e.settings, size: 10, hardness: 1 };
    drag(e, [[10, 10], [30, 10], [60, 10], [90, 10]]);
    const m = e.doc.layers.edit;
    // a horizontal capsule: every centre on the line y=10.5 from x=10 to 90 is painted
    for (let x = 10; x < 90; x++) expect(m.get(x, 10)).toBe(255);
    const painted = m.sum();
    e.setTool('eraser');
    drag(e, [[50, 10], [50, 11]]);
    expect(m.get(50, 10)).toBe(0);
    expect(m.sum()).toBeLessThan(painted);
    e.undo();
    expect(m.sum()).toBe(painted);
    e.undo();
    expect(m.sum()).toBe(0);
    e.redo();
    expect(m.sum()).toBe(painted);
  });

  it('escape during a stroke rolls it back', () => {
    const e = editor();
    drag(e, [[20, 20]]);
    const before = e.doc.layers.edit.sum();
    e.pointerDown({ x: 60, y: 60 });
    e.pointerMove({ x: 70, y: 60 });
    expect(e.doc.layers.edit.sum()).toBeGreaterThan(before);
    expect(e.toolKey('Escape')).toBe(true);
    expect(e.tool.state).toBe('idle');
    expect(e.doc.layers.edit.sum()).toBe(before);
  });

  it('records only the rectangles a stroke touches', () => {
    const e = new MaskEditor(4096, 4096);
    e.settings = { ...e.settings, size: 32 };
    const touched: number[] = [];
    e.doc.onChange((_l, r) => touched.push(r.w * r.h));
    drag(e, [[100, 100], [110, 100], [120, 104]]);
    expect(touched.length).toBe(3);
    for (const px of touched) expect(px).toBeLessThan(60 * 60);
  });

  it('paints the active layer only', () => {
    const e = editor();
    e.setLayer('lock');
    drag(e, [[30, 30]]);
    expect(e.doc.layers.lock.coverage()).toBeGreaterThan(0);
    expect(e.doc.layers.edit.coverage()).toBe(0);
  });
});

describe('shape tools', () => {
  it('rectangle fills the pixels between the drag corners, alt clears them', () => {
    const e = editor();
    e.setTool('rectangle');
    drag(e, [[10, 20], [25, 30], [40, 50]]);
    const m = e.doc.layers.edit;
    expect(m.coverage()).toBe(30 * 30);
    expect(m.get(10, 20)).toBe(255);
    expect(m.get(39, 49)).toBe(255);
    expect(m.get(40, 49)).toBe(0);
    drag(e, [[20, 20], [30, 50]], { alt: true });
    expect(m.coverage()).toBe(30 * 30 - 10 * 30);
    e.undo();
    expect(m.coverage()).toBe(900);
  });

  it('lasso fills the drawn outline (a triangle of known area)', () => {
    const e = editor();
    e.setTool('lasso');
    drag(e, [[10, 10], [70, 10], [10, 70]]);
    // right triangle with legs 60: 1800 px of area, centres counted exactly
    let expected = 0;
    for (let y = 0; y < 80; y++) for (let x = 0; x < 100; x++) if (x + 0.5 >= 10 && y + 0.5 >= 10 && x + 0.5 + y + 0.5 < 80) expected++;
    expect(e.doc.layers.edit.coverage()).toBe(expected);
    expect(Math.abs(expected - 1800)).toBeLessThan(40);
    expect(e.doc.history.undoDepth).toBe(1);
  });

  it('lasso shows its path while drawing and Escape drops it', () => {
    const e = editor();
    e.setTool('lasso');
    e.pointerDown({ x: 5, y: 5 });
    e.pointerMove({ x: 50, y: 5 });
    expect(e.tool.preview()).toEqual({ kind: 'path', points: [{ x: 5, y: 5 }, { x: 50, y: 5 }], closed: false });
    e.toolKey('Escape');
    e.pointerUp({ x: 50, y: 50 });
    expect(e.doc.layers.edit.coverage()).toBe(0);
  });

  it('polygon: clicks add corners, clicking the first corner closes it', () => {
    const e = editor();
    e.setTool('polygon');
    for (const [x, y] of [[10, 10], [50, 10], [50, 50], [10, 50]] as const) {
      e.pointerDown({ x, y });
      e.pointerUp({ x, y });
      expect(e.tool.state).toBe('placing');
    }
    e.pointerDown({ x: 12, y: 11 });
    expect(e.tool.state).toBe('idle');
    expect(e.doc.layers.edit.coverage()).toBe(40 * 40);
  });

  it('polygon: Backspace removes a corner and Enter closes', () => {
    const e = editor();
    e.setTool('polygon');
    for (const [x, y] of [[0, 0], [40, 0], [99, 79], [0, 40]] as const) e.pointerDown({ x, y });
    e.toolKey('Backspace');
    e.toolKey('Enter');
    // triangle (0,0) (40,0) (99,79) without the removed corner
    expect(e.doc.layers.edit.coverage()).toBeGreaterThan(0);
    expect(e.doc.layers.edit.get(2, 30)).toBe(0);
  });

  it('select background floods the uniform border colour, not the garment', () => {
    const w = 60, h = 40;
    const data = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 4;
        // near-white background with slight noise, a dark garment block, and a closed ring
        const garment = x >= 20 && x < 40 && y >= 10 && y < 30;
        const v = garment ? 40 : 235 + ((x * 7 + y * 3) % 9);
        data.set([v, v, v, 255], i);
      }
    }
    // a white hole inside the garment, not connected to the border, stays unselected
    for (let y = 18; y < 22; y++) for (let x = 28; x < 32; x++) data.set([240, 240, 240, 255], (y * w + x) * 4);
    const source: RgbaImage = { width: w, height: h, data };
    const e = new MaskEditor(w, h);
    e.source = source;
    e.setTool('select-background');
    e.pointerDown({ x: 1, y: 1 });
    e.pointerUp({ x: 1, y: 1 });
    const m = e.doc.layers.edit;
    expect(m.coverage()).toBe(w * h - 20 * 20);
    expect(m.get(30, 20)).toBe(0);
    e.command('invert');
    expect(m.coverage()).toBe(400);
    e.undo();
    e.undo();
    expect(m.coverage()).toBe(0);
  });
});

describe('commands', () => {
  it('invert, clear, feather are one step each', () => {
    const e = editor();
    e.setTool('rectangle');
    drag(e, [[20, 20], [60, 60]]);
    e.command('invert');
    expect(e.doc.layers.edit.coverage()).toBe(100 * 80 - 1600);
    e.command('clear');
    expect(e.doc.layers.edit.coverage()).toBe(0);
    e.undo();
    e.undo();
    expect(e.doc.layers.edit.coverage()).toBe(1600);
    const sum = e.doc.layers.edit.sum();
    e.settings.feather = 4;
    e.command('feather');
    const m = e.doc.layers.edit;
    // a blur keeps the mass of a shape far from the edges, softens its border
    expect(Math.abs(m.sum() - sum) / sum).toBeLessThan(0.01);
    expect(m.get(40, 40)).toBe(255);
    expect(m.get(20, 40)).toBeGreaterThan(64);
    expect(m.get(20, 40)).toBeLessThan(192);
    expect(m.get(17, 40)).toBeGreaterThan(0);
    e.undo();
    expect(m.get(17, 40)).toBe(0);
  });
});

describe('coverage bookkeeping', () => {
  it('the document counts covered pixels through edits, undo, redo and loads', () => {
    const e = editor();
    const check = () => {
      expect(e.doc.coverage('edit')).toBe(e.doc.layers.edit.coverage());
      expect(e.doc.coverage('lock')).toBe(e.doc.layers.lock.coverage());
    };
    drag(e, [[10, 10], [60, 40]]);
    check();
    e.setTool('eraser');
    drag(e, [[30, 20], [40, 25]]);
    check();
    e.command('invert');
    check();
    e.undo();
    check();
    e.undo();
    check();
    e.redo();
    check();
    e.doc.load('lock', new Uint8Array(100 * 80).fill(3));
    check();
    expect(e.doc.coverage('lock')).toBe(8000);
  });
});
