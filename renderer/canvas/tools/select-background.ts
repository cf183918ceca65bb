import { floodFromBorder } from '../paint/flood-fill';
import { modeOf, type PointerInput, type Tool, type ToolContext } from './tool';

/**
 * One click selects the render's uniform background: a flood from the border over pixels
 * within the tolerance of the border colour (alt: removes it from the mask). Invert
 * afterwards to get the garment.
 */
export class SelectBackgroundTool implements Tool {
  readonly id = 'select-background' as const;
  state: 'idle' | 'pointing' = 'idle';

  pointerDown(): void {
    if (this.state === 'idle') this.state = 'pointing';
  }

  pointerMove(): void {}

  pointerUp(p: PointerInput, ctx: ToolContext): void {
    if (this.state !== 'pointing') return;
    this.state = 'idle';
    const source = ctx.source;
    if (!source) return;
    if (source.width !== ctx.doc.width || source.height !== ctx.doc.height) {
      throw new Error(`the render is ${source.width}x${source.height} but the mask is ${ctx.doc.width}x${ctx.doc.height}`);
    }
    const background = floodFromBorder(source, ctx.settings.tolerance);
    const add = modeOf(p) === 'add';
    ctx.doc.history.mark();
    ctx.doc.edit(ctx.layer, { x: 0, y: 0, w: ctx.doc.width, h: ctx.doc.height }, (bitmap) => {
      const d = bitmap.data;
      for (let i = 0; i < d.length; i++) {
        if (background[i]) d[i] = add ? 255 : 0;
      }
    });
  }

  key(): boolean {
    return false;
  }

  cancel(): void {
    this.state = 'idle';
  }

  preview(): undefined {
    return undefined;
  }
}
