import { StrokeTool } from './stroke-tool';
import { modeOf, type PointerInput } from './tool';

/** paints the mask on; alt paints it off */
export class BrushTool extends StrokeTool {
  readonly id = 'brush' as const;
  protected modeFor(p: PointerInput) {
    return modeOf(p);
  }
}
