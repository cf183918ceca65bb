import type { PaintMode, Point } from '../paint/dab';
import { fillPolygon } from '../paint/polygon-fill';
import { boundsOf } from '../rect';
import { modeOf, type PointerInput, type Tool, type ToolContext, type ToolPreview } from './tool';

/** idle -> drawing: drag a free-hand outline; release fills it (alt: clears it) */
export class LassoTool implements Tool {
  readonly id = 'lasso' as const;
  state: 'idle' | 'drawing' = 'idle';
  private points: Point[] = [];
  private mode: PaintMode = 'add';

  pointerDown(p: PointerInput): void {
    if (this.state !== 'idle') return;
    this.state = 'drawing';
    this.mode = modeOf(p);
    this.points = [{ x: p.x, y: p.y }];
  }

  pointerMove(p: PointerInput): void {
    if (this.state !== 'drawing') return;
    const last = this.points.at(-1)!;
    // skip sub-pixel jitter: it only lengthens the scanline work
    if (Math.hypot(p.x - last.x, p.y - last.y) >= 1) this.points.push({ x: p.x, y: p.y });
  }

  pointerUp(p: PointerInput, ctx: ToolContext): void {
    if (this.state !== 'drawing') return;
    this.pointerMove(p);
    const points = this.points;
    this.reset();
    if (points.length < 3) return;
    ctx.doc.history.mark();
    ctx.doc.edit(ctx.layer, boundsOf(points, 1), (bitmap, rect) => fillPolygon(bitmap, rect, points, this.mode));
  }

  key(key: string): boolean {
    if (key === 'Escape' && this.state === 'drawing') {
      this.reset();
      return true;
    }
    return false;
  }

  cancel(): void {
    this.reset();
  }

  preview(): ToolPreview | undefined {
    return this.state === 'drawing' ? { kind: 'path', points: [...this.points], closed: false } : undefined;
  }

  private reset(): void {
    this.state = 'idle';
    this.points = [];
  }
}
