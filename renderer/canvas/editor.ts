import type { LayerId } from './mask-document';
import { MaskDocument } from './mask-document';
import type { RgbaImage } from './paint/flood-fill';
import { BrushTool } from './tools/brush';
import { clearMask } from './tools/clear';
import { EraserTool } from './tools/eraser';
import { featherMask } from './tools/feather';
import { invertMask } from './tools/invert';
import { LassoTool } from './tools/lasso';
import { PolygonTool } from './tools/polygon';
import { RectangleTool } from './tools/rectangle';
import { SelectBackgroundTool } from './tools/select-background';
import { SelectObjectTool } from './tools/select-object';
import { DEFAULT_SETTINGS, type PointerInput, type Tool, type ToolContext, type ToolId, type ToolSettings } from './tools/tool';

export type MaskCommand = 'invert' | 'clear' | 'feather';

/**
 * The shot editor's model without any view: the mask document, the tools and their
 * settings. Konva (or a test) feeds it pointer events in image coordinates and keys.
 */
export class MaskEditor {
  readonly doc: MaskDocument;
  /** Select object's prompt and candidate, which the view connects to the segment API */
  readonly selectObject = new SelectObjectTool();
  readonly tools: Record<ToolId, Tool> = {
    brush: new BrushTool(),
    eraser: new EraserTool(),
    lasso: new LassoTool(),
    polygon: new PolygonTool(),
    rectangle: new RectangleTool(),
    'select-background': new SelectBackgroundTool(),
    'select-object': this.selectObject,
  };
  toolId: ToolId = 'brush';
  layer: LayerId = 'edit';
  settings: ToolSettings = { ...DEFAULT_SETTINGS };
  source: RgbaImage | undefined;

  constructor(width: number, height: number) {
    this.doc = new MaskDocument(width, height);
  }

  get tool(): Tool {
    return this.tools[this.toolId];
  }

  get context(): ToolContext {
    return { doc: this.doc, layer: this.layer, settings: this.settings, ...(this.source ? { source: this.source } : {}) };
  }

  /** switching tool or layer ends the running gesture first */
  setTool(id: ToolId): void {
    if (id === this.toolId) return;
    this.tool.cancel(this.context);
    this.toolId = id;
  }

  setLayer(layer: LayerId): void {
    if (layer === this.layer) return;
    this.tool.cancel(this.context);
    this.layer = layer;
  }

  pointerDown(p: PointerInput): void {
    this.tool.pointerDown(p, this.context);
  }

  pointerMove(p: PointerInput): void {
    this.tool.pointerMove(p, this.context);
  }

  pointerUp(p: PointerInput): void {
    this.tool.pointerUp(p, this.context);
  }

  /** keys meant for the running tool (Enter, Escape, Backspace); true when used */
  toolKey(key: string): boolean {
    return this.tool.key(key, this.context);
  }

  command(cmd: MaskCommand): void {
    this.tool.cancel(this.context);
    if (cmd === 'invert') invertMask(this.context);
    else if (cmd === 'clear') clearMask(this.context);
    else featherMask(this.context);
  }

  undo(): boolean {
    this.tool.cancel(this.context);
    return this.doc.history.undo();
  }

  redo(): boolean {
    this.tool.cancel(this.context);
    return this.doc.history.redo();
  }
}
