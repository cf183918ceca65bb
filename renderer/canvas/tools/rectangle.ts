import type { PaintMode, Point } from '../paint/dab';
import { modeOf, type PointerInput, type Tool, type ToolContext, type ToolPreview } from './tool';

/** idle -> dragging: drag a box; release fills it (alt: clears it); shift makes it square */
export class RectangleTool implements Tool {
  readonly id = 'rectangle' as const;
  state: 'idle' | 'dragging' = 'idle';
  private start: Point = { x: 0, y: 0 };
  private end: Point = { x: 0, y: 0 };
  private mode: PaintMode = 'add';

  pointerDown(p: PointerInput): void {
    if (this.state !== 'idle') return;
    this.state = 'dragging';
    this.mode = modeOf(p);
    this.start = { x: p.x, y: p.y };
    this.end = { x: p.x, y: p.y };
  }

  pointerMove(p: PointerInput): void {
    if (this.state !== 'dragging') return;
    if (p.shift) {
      const side = Math.max(Math.abs(p.x - this.start.x), Math.abs(p.y - this.start.y));
      this.end = { x: this.start.x + Math.sign(p.x - this.start.x || 1) * side, y: this.start.y + Math.sign(p.y - this.start.y || 1) * side };
    } else this.end = { x: p.x, y: p.y };
  }

  pointerUp(p: PointerInput, ctx: ToolContext): void {
    if (this.state !== 'dragging') return;
    this.pointerMove(p);
    this.state = 'idle';
    const box = this.box();
    if (box.w < 1 || box.h < 1) return;
    const value = this.mode === 'add' ? 255 : 0;
    ctx.doc.history.mark();
    ctx.doc.edit(ctx.layer, box, (bitmap, r) => {
      for (let y = r.y; y < r.y + r.h; y++) bitmap.data.fill(value, y * bitmap.width + r.x, y * bitmap.width + r.x + r.w);
    });
  }

  key(key: string): boolean {
    if (key === 'Escape' && this.state === 'dragging') {
      this.state = 'idle';
      return true;
    }
    return false;
  }

  cancel(): void {
    this.state = 'idle';
  }

  preview(): ToolPreview | undefined {
    return this.state === 'dragging' ? { kind: 'rect', ...this.box() } : undefined;
  }

  // pixels whose centres lie inside the dragged box
  private box(): { x: number; y: number; w: number; h: number } {
    const x0 = Math.round(Math.min(this.start.x, this.end.x));
    const y0 = Math.round(Math.min(this.start.y, this.end.y));
    const x1 = Math.round(Math.max(this.start.x, this.end.x));
    const y1 = Math.round(Math.max(this.start.y, this.end.y));
    return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }
}
