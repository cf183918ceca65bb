import type { LayerId, MaskDocument } from '../mask-document';
import type { Point, PaintMode } from '../paint/dab';
import type { RgbaImage } from '../paint/flood-fill';

/** a pointer event in image pixels (the view converts from screen coordinates) */
export interface PointerInput {
  x: number;
  y: number;
  /** alt subtracts from the mask instead of adding */
  alt?: boolean;
  shift?: boolean;
  /** 2 on the second click of a double click */
  clicks?: number;
}

export interface ToolSettings {
  /** brush diameter in image pixels */
  size: number;
  /** 0..1: share of the radius painted at full strength */
  hardness: number;
  /** select background: largest channel difference from the border colour, 0..255 */
  tolerance: number;
  /** feather radius in image pixels */
  feather: number;
}

export const DEFAULT_SETTINGS: ToolSettings = { size: 48, hardness: 0.7, tolerance: 24, feather: 8 };

export interface ToolContext {
  doc: MaskDocument;
  layer: LayerId;
  settings: ToolSettings;
  /** the render's pixels, for tools that look at the image */
  source?: RgbaImage;
}

/** what a view draws over the image while a gesture runs */
export type ToolPreview =
  | { kind: 'path'; points: Point[]; closed: boolean }
  | { kind: 'rect'; x: number; y: number; w: number; h: number };

export type ToolId = 'brush' | 'eraser' | 'lasso' | 'polygon' | 'rectangle' | 'select-background' | 'select-object';

/**
 * A tool is a small state machine (idle -> pointing -> drawing ...): the editor sends it
 * every event and it decides by its current state. A gesture marks the history when it
 * starts, so cancel rolls back to the mark and undo removes the gesture as one step.
 */
export interface Tool {
  readonly id: ToolId;
  readonly state: string;
  pointerDown(p: PointerInput, ctx: ToolContext): void;
  pointerMove(p: PointerInput, ctx: ToolContext): void;
  pointerUp(p: PointerInput, ctx: ToolContext): void;
  /** Enter, Escape, Backspace...: returns true when the tool used the key */
  key(key: string, ctx: ToolContext): boolean;
  /** abandons the running gesture, undoing what it changed */
  cancel(ctx: ToolContext): void;
  preview(): ToolPreview | undefined;
}

export function modeOf(p: PointerInput): PaintMode {
  return p.alt ? 'subtract' : 'add';
}
