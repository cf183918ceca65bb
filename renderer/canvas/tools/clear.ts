import type { ToolContext } from './tool';

/** one-shot command: empties the active layer, one undo step */
export function clearMask(ctx: ToolContext): void {
  ctx.doc.history.mark();
  ctx.doc.edit(ctx.layer, { x: 0, y: 0, w: ctx.doc.width, h: ctx.doc.height }, (bitmap) => bitmap.data.fill(0));
}
