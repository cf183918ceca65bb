import { StrokeTool } from './stroke-tool';

/** paints the mask off, with the brush's size and hardness */
export class EraserTool extends StrokeTool {
  readonly id = 'eraser' as const;
  protected modeFor() {
    return 'subtract' as const;
  }
}
