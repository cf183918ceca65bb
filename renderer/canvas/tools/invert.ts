import type { ToolContext } from './tool';

/** one-shot command: the mask becomes its complement (255 - value), one undo step */
export function invertMask(ctx: ToolContext): void {
  ctx.doc.history.mark();
  ctx.doc.edit(ctx.layer, { x: 0, y: 0, w: ctx.doc.width, h: ctx.doc.height }, (bitmap) => {
    const d = bitmap.data;
    for (let i = 0; i < d.length; i++) d[i] = 255 - d[i]!;
  });
}
