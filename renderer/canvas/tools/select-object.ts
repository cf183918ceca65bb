import type { Rect } from '../rect';
import type { PointerInput, Tool, ToolContext, ToolPreview } from './tool';

/** what the Segment Anything decoder is asked: clicks and a box in image pixels */
export interface ObjectPrompt {
  points: { x: number; y: number; positive: boolean }[];
  box?: { x0: number; y0: number; x1: number; y1: number };
}

/** the backend's answer: one byte a pixel at the document's size, 255 inside the object */
export type Segmenter = (prompt: ObjectPrompt) => Promise<Uint8Array>;

export type SelectObjectStatus = 'empty' | 'waiting' | 'ready' | 'failed';

// a press that moves less than this (image pixels) is a click, further a box
const DRAG_PX = 4;

/**
 * Select object: clicks (alt or right button: negative) and a dragged box build a prompt; each
 * change asks the segmenter for a mask, shown as a candidate. Enter (or Add) puts the
 * candidate into the current layer as one undoable edit; Escape clears the prompt. Answers
 * to an older prompt than the latest are dropped.
 */
export class SelectObjectTool implements Tool {
  readonly id = 'select-object' as const;
  state: 'idle' | 'pressed' | 'dragging' = 'idle';
  points: ObjectPrompt['points'] = [];
  box: ObjectPrompt['box'];
  candidate: Uint8Array | undefined;
  status: SelectObjectStatus = 'empty';
  error = '';
  /** set by the view: where masks come from (absent: no SAM model configured) */
  segmenter: Segmenter | undefined;
  /** set by the view: called when the candidate or status changes */
  onChange: (() => void) | undefined;
  private start = { x: 0, y: 0 };
  private end = { x: 0, y: 0 };
  private negative = false;
  private asked = 0;

  pointerDown(p: PointerInput): void {
    if (this.state !== 'idle') return;
    this.state = 'pressed';
    this.negative = Boolean(p.alt);
    this.start = { x: p.x, y: p.y };
    this.end = { x: p.x, y: p.y };
  }

  pointerMove(p: PointerInput): void {
    if (this.state === 'idle') return;
    this.end = { x: p.x, y: p.y };
    if (this.state === 'pressed' && Math.hypot(p.x - this.start.x, p.y - this.start.y) >= DRAG_PX) this.state = 'dragging';
  }

  pointerUp(p: PointerInput): void {
    if (this.state === 'idle') return;
    this.pointerMove(p);
    if (this.state === 'dragging') {
      this.box = { x0: Math.min(this.start.x, this.end.x), y0: Math.min(this.start.y, this.end.y), x1: Math.max(this.start.x, this.end.x), y1: Math.max(this.start.y, this.end.y) };
    } else {
      this.points = [...this.points, { x: this.start.x, y: this.start.y, positive: !this.negative }];
    }
    this.state = 'idle';
    void this.ask();
  }

  /** the current prompt */
  prompt(): ObjectPrompt {
    return { points: this.points, ...(this.box ? { box: this.box } : {}) };
  }

  /** asks the segmenter for the current prompt; resolves when the answer (or a newer one) is in */
  async ask(): Promise<void> {
    const id = ++this.asked;
    if (!this.segmenter) {
      this.fail('No Segment Anything model is set: choose its folder in the Select object panel.');
      return;
    }
    this.status = 'waiting';
    this.onChange?.();
    try {
      const mask = await this.segmenter(this.prompt());
      if (id !== this.asked) return;
      this.candidate = mask;
      this.status = 'ready';
      this.error = '';
    } catch (err) {
      if (id !== this.asked) return;
      this.fail((err as Error).message);
      return;
    }
    this.onChange?.();
  }

  private fail(message: string): void {
    this.candidate = undefined;
    this.status = 'failed';
    this.error = message;
    this.onChange?.();
  }

  /** adds the candidate to the layer as one history step and starts a new prompt; false when there is none */
  apply(ctx: ToolContext): boolean {
    const c = this.candidate;
    if (!c || c.length !== ctx.doc.width * ctx.doc.height) return false;
    const rect = boundsOf(c, ctx.doc.width);
    if (rect) {
      ctx.doc.history.mark();
      ctx.doc.edit(ctx.layer, rect, (bitmap, r) => {
        const d = bitmap.data;
        for (let y = r.y; y < r.y + r.h; y++) {
          for (let i = y * bitmap.width + r.x, end = i + r.w; i < end; i++) if (c[i]) d[i] = 255;
        }
      });
    }
    this.clear();
    return true;
  }

  /** forgets the prompt and the candidate; true when there was something to forget */
  clear(): boolean {
    const had = this.points.length > 0 || this.box !== undefined || this.candidate !== undefined || this.status !== 'empty';
    this.asked++;
    this.points = [];
    this.box = undefined;
    this.candidate = undefined;
    this.status = 'empty';
    this.error = '';
    this.state = 'idle';
    if (had) this.onChange?.();
    return had;
  }

  key(key: string, ctx: ToolContext): boolean {
    if (key === 'Enter') return this.apply(ctx);
    if (key === 'Escape') return this.clear();
    return false;
  }

  cancel(): void {
    this.clear();
  }

  preview(): ToolPreview | undefined {
    if (this.state !== 'dragging') return undefined;
    return { kind: 'rect', x: Math.min(this.start.x, this.end.x), y: Math.min(this.start.y, this.end.y), w: Math.abs(this.end.x - this.start.x), h: Math.abs(this.end.y - this.start.y) };
  }
}

/** the smallest rectangle holding every non-zero pixel, or undefined for an empty mask */
export function boundsOf(mask: Uint8Array, width: number): Rect | undefined {
  let x0 = width;
  let y0 = -1;
  let x1 = -1;
  let y1 = -1;
  const height = mask.length / width;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!mask[row + x]) continue;
      if (y0 < 0) y0 = y;
      y1 = y;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
    }
  }
  return y0 < 0 ? undefined : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}
