import { boxBlur3 } from '../paint/blur';
import type { ToolContext } from './tool';

/** one-shot command: softens the mask's edges by a near-Gaussian blur of the feather radius */
export function featherMask(ctx: ToolContext): void {
  const radius = ctx.settings.feather;
  if (radius <= 0) return;
  ctx.doc.history.mark();
  ctx.doc.edit(ctx.layer, { x: 0, y: 0, w: ctx.doc.width, h: ctx.doc.height }, (bitmap) => {
    // three box passes of radius r have the variance of a Gaussian with sigma ~ r
    boxBlur3(bitmap.data, bitmap.width, bitmap.height, radius);
  });
}
