import type { PaintMode, Point } from '../paint/dab';
import { fillPolygon } from '../paint/polygon-fill';
import { boundsOf } from '../rect';
import { modeOf, type PointerInput, type Tool, type ToolContext, type ToolPreview } from './tool';

/** within this many image pixels of the first corner, a click closes the polygon */
export const CLOSE_DISTANCE = 8;

/**
 * idle -> placing: each click adds a corner; a double click, Enter, or a click on the
 * first corner closes and fills it; Backspace removes the last corner; Escape drops it.
 */
export class PolygonTool implements Tool {
  readonly id = 'polygon' as const;
  state: 'idle' | 'placing' = 'idle';
  private points: Point[] = [];
  private hover: Point | undefined;
  private mode: PaintMode = 'add';

  pointerDown(p: PointerInput, ctx: ToolContext): void {
    if (this.state === 'idle') {
      this.state = 'placing';
      this.mode = modeOf(p);
      this.points = [{ x: p.x, y: p.y }];
      return;
    }
    const first = this.points[0]!;
    if (this.points.length >= 3 && Math.hypot(p.x - first.x, p.y - first.y) <= CLOSE_DISTANCE) {
      this.close(ctx);
      return;
    }
    if ((p.clicks ?? 1) >= 2) {
      this.close(ctx);
      return;
    }
    this.points.push({ x: p.x, y: p.y });
  }

  pointerMove(p: PointerInput): void {
    if (this.state === 'placing') this.hover = { x: p.x, y: p.y };
  }

  pointerUp(): void {}

  key(key: string, ctx: ToolContext): boolean {
    if (this.state !== 'placing') return false;
    if (key === 'Enter') this.close(ctx);
    else if (key === 'Escape') this.reset();
    else if (key === 'Backspace') {
      this.points.pop();
      if (this.points.length === 0) this.reset();
    } else return false;
    return true;
  }

  cancel(): void {
    this.reset();
  }

  preview(): ToolPreview | undefined {
    if (this.state !== 'placing') return undefined;
    return { kind: 'path', points: this.hover ? [...this.points, this.hover] : [...this.points], closed: false };
  }

  private close(ctx: ToolContext): void {
    const points = this.points;
    this.reset();
    if (points.length < 3) return;
    ctx.doc.history.mark();
    ctx.doc.edit(ctx.layer, boundsOf(points, 1), (bitmap, rect) => fillPolygon(bitmap, rect, points, this.mode));
  }

  private reset(): void {
    this.state = 'idle';
    this.points = [];
    this.hover = undefined;
  }
}
