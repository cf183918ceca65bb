import type { Point, PaintMode } from '../paint/dab';
import { dab, dabsAlong } from '../paint/dab';
import { boundsOf } from '../rect';
import type { PointerInput, Tool, ToolContext, ToolId } from './tool';

/**
 * Shared machine of brush and eraser: idle -> painting. Each move paints the dabs of one
 * segment and records only that segment's rectangle, so a stroke on a 4096x4096 layer
 * costs what it covers, not the layer.
 */
export abstract class StrokeTool implements Tool {
  abstract readonly id: ToolId;
  state: 'idle' | 'painting' = 'idle';
  private mark = '';
  private last: Point = { x: 0, y: 0 };
  private mode: PaintMode = 'add';

  protected abstract modeFor(p: PointerInput): PaintMode;

  pointerDown(p: PointerInput, ctx: ToolContext): void {
    if (this.state !== 'idle') return;
    this.state = 'painting';
    this.mode = this.modeFor(p);
    this.mark = ctx.doc.history.mark();
    this.last = { x: p.x, y: p.y };
    this.paint(ctx, [this.last]);
  }

  pointerMove(p: PointerInput, ctx: ToolContext): void {
    if (this.state !== 'painting') return;
    const to = { x: p.x, y: p.y };
    this.paint(ctx, dabsAlong(this.last, to, ctx.settings.size / 2));
    this.last = to;
  }

  pointerUp(p: PointerInput, ctx: ToolContext): void {
    if (this.state !== 'painting') return;
    if (p.x !== this.last.x || p.y !== this.last.y) this.pointerMove(p, ctx);
    this.state = 'idle';
  }

  key(key: string, ctx: ToolContext): boolean {
    if (key === 'Escape' && this.state === 'painting') {
      this.cancel(ctx);
      return true;
    }
    return false;
  }

  cancel(ctx: ToolContext): void {
    if (this.state === 'painting') ctx.doc.history.bailToMark(this.mark);
    this.state = 'idle';
  }

  preview(): undefined {
    return undefined;
  }

  private paint(ctx: ToolContext, centres: Point[]): void {
    const radius = ctx.settings.size / 2;
    ctx.doc.edit(ctx.layer, boundsOf(centres, radius + 1), (bitmap, rect) => {
      for (const c of centres) dab(bitmap, rect, c, radius, ctx.settings.hardness, this.mode);
    });
  }
}
