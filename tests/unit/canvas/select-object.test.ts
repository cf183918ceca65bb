import { describe, expect, it } from 'vitest';
import { MaskEditor } from '../../../renderer/canvas/editor';
import { actionFor } from '../../../renderer/canvas/shortcuts';
import { boundsOf, type ObjectPrompt } from '../../../renderer/canvas/tools/select-object';

const W = 60;
const H = 40;

/** a fake segmenter: a 5x5 square around each positive click, minus one around each negative click, or the box */
function squares(prompts: ObjectPrompt[]) {
  return async (p: ObjectPrompt): Promise<Uint8Array> => {
    prompts.push(structuredClone(p));
    const m = new Uint8Array(W * H);
    const fill = (x0: number, y0: number, x1: number, y1: number, v: number) => {
      for (let y = Math.max(0, y0); y <= Math.min(H - 1, y1); y++) for (let x = Math.max(0, x0); x <= Math.min(W - 1, x1); x++) m[y * W + x] = v;
    };
    if (p.box) fill(p.box.x0, p.box.y0, p.box.x1, p.box.y1, 255);
    for (const pt of p.points) fill(pt.x - 2, pt.y - 2, pt.x + 2, pt.y + 2, pt.positive ? 255 : 0);
    return m;
  };
}

function setup() {
  const e = new MaskEditor(W, H);
  const prompts: ObjectPrompt[] = [];
  e.selectObject.segmenter = squares(prompts);
  e.setTool('select-object');
  return { e, prompts };
}

const click = async (e: MaskEditor, x: number, y: number, alt = false) => {
  e.pointerDown({ x, y, alt });
  e.pointerUp({ x, y, alt });
  // the segmenter answers asynchronously, as the backend does
  await new Promise((r) => setTimeout(r, 0));
};

describe('Select object tool', () => {
  it('is on S and in the editor', () => {
    expect(actionFor({ key: 's' })).toBe('tool.select-object');
    expect(actionFor({ key: 's', ctrlKey: true })).toBe('save');
    expect(new MaskEditor(2, 2).tools['select-object'].id).toBe('select-object');
  });

  it('a click previews the object without touching the layer; Enter adds it as one undoable step', async () => {
    const { e, prompts } = setup();
    await click(e, 10, 10);
    expect(prompts.at(-1)).toEqual({ points: [{ x: 10, y: 10, positive: true }] });
    expect(e.selectObject.status).toBe('ready');
    expect(e.doc.coverage('edit')).toBe(0);
    expect(e.toolKey('Enter')).toBe(true);
    expect(e.doc.coverage('edit')).toBe(25);
    expect(e.doc.layers.edit.get(10, 10)).toBe(255);
    expect(e.doc.layers.edit.get(13, 10)).toBe(0);
    expect(e.selectObject.points).toEqual([]);
    expect(e.doc.history.undoDepth).toBe(1);
    e.undo();
    expect(e.doc.coverage('edit')).toBe(0);
  });

  it('alt-click adds a negative point; the candidate follows the whole prompt', async () => {
    const { e, prompts } = setup();
    await click(e, 20, 20);
    await click(e, 22, 20, true);
    expect(prompts.at(-1)!.points).toEqual([{ x: 20, y: 20, positive: true }, { x: 22, y: 20, positive: false }]);
    e.toolKey('Enter');
    // the 5x5 square at 20 minus the one at 22: columns 18 and 19 remain
    expect(e.doc.coverage('edit')).toBe(10);
  });

  it('a drag is a box prompt, drawn as a rectangle while dragging', async () => {
    const { e, prompts } = setup();
    e.pointerDown({ x: 30, y: 30 });
    e.pointerMove({ x: 10, y: 20 });
    expect(e.tool.preview()).toEqual({ kind: 'rect', x: 10, y: 20, w: 20, h: 10 });
    e.pointerUp({ x: 10, y: 20 });
    await new Promise((r) => setTimeout(r, 0));
    expect(prompts.at(-1)).toEqual({ points: [], box: { x0: 10, y0: 20, x1: 30, y1: 30 } });
    e.toolKey('Enter');
    expect(e.doc.coverage('edit')).toBe(21 * 11);
  });

  it('adds to what the layer already has (the lock layer when it is current)', async () => {
    const { e } = setup();
    e.setLayer('lock');
    await click(e, 5, 5);
    e.toolKey('Enter');
    await click(e, 50, 30);
    e.toolKey('Enter');
    expect([e.doc.coverage('lock'), e.doc.coverage('edit')]).toEqual([25 + 25, 0]);
    expect(e.doc.history.undoDepth).toBe(2);
  });

  it('Escape clears the prompt and the candidate; Enter without a candidate does nothing', async () => {
    const { e } = setup();
    await click(e, 10, 10);
    expect(e.toolKey('Escape')).toBe(true);
    expect([e.selectObject.points.length, e.selectObject.candidate, e.selectObject.status]).toEqual([0, undefined, 'empty']);
    expect(e.toolKey('Enter')).toBe(false);
    expect(e.doc.history.canUndo).toBe(false);
  });

  it('an answer to an older prompt is dropped when a newer one was asked', async () => {
    const e = new MaskEditor(W, H);
    e.setTool('select-object');
    const pending: ((m: Uint8Array) => void)[] = [];
    e.selectObject.segmenter = () => new Promise((resolve) => pending.push(resolve));
    e.pointerDown({ x: 1, y: 1 });
    e.pointerUp({ x: 1, y: 1 });
    e.pointerDown({ x: 2, y: 2 });
    e.pointerUp({ x: 2, y: 2 });
    const newer = new Uint8Array(W * H).fill(255);
    pending[1]!(newer);
    await Promise.resolve();
    pending[0]!(new Uint8Array(W * H));
    await new Promise((r) => setTimeout(r, 0));
    expect(e.selectObject.candidate).toBe(newer);
  });

  it('without a model it explains where to set one', async () => {
    const e = new MaskEditor(W, H);
    e.setTool('select-object');
    e.pointerDown({ x: 1, y: 1 });
    e.pointerUp({ x: 1, y: 1 });
    await Promise.resolve();
    expect(e.selectObject.status).toBe('failed');
    expect(e.selectObject.error).toMatch(/No Segment Anything model is set/);
  });

  it('boundsOf finds the tight box of a mask', () => {
    const m = new Uint8Array(W * H);
    expect(boundsOf(m, W)).toBeUndefined();
    m[3 * W + 7] = 255;
    m[9 * W + 2] = 1;
    expect(boundsOf(m, W)).toEqual({ x: 2, y: 3, w: 6, h: 7 });
  });
});
