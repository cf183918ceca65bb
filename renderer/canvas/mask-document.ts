import { History } from './history';
import { MaskBitmap } from './mask-bitmap';
import { clip, isEmpty, type Rect } from './rect';

/** the two masks of a shot: what may change, and where the texture must be kept */
export type LayerId = 'edit' | 'lock';
export const LAYER_IDS: readonly LayerId[] = ['edit', 'lock'];

/** one change to one layer: the rectangle's pixels before and after */
export interface MaskDiff {
  layer: LayerId;
  rect: Rect;
  before: Uint8Array;
  after: Uint8Array;
}

export type ChangeListener = (layer: LayerId, rect: Rect) => void;

// keeps undo of a 4096x4096 shot within a few full-layer steps of memory (the app keeps up to three shots open)
const HISTORY_BYTES = 128 * 1024 * 1024;

/**
 * The store of the shot editor: both mask layers and their history. Every pixel change
 * goes through edit(), which records the diff and tells views which rectangle to redraw.
 */
export class MaskDocument {
  readonly layers: Record<LayerId, MaskBitmap>;
  readonly history: History<MaskDiff>;
  // pixels above zero per layer, kept up to date from each diff so status lines never scan 16M pixels
  private covered: Record<LayerId, number> = { edit: 0, lock: 0 };
  private listeners = new Set<ChangeListener>();

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.layers = { edit: new MaskBitmap(width, height), lock: new MaskBitmap(width, height) };
    this.history = new History<MaskDiff>(
      { apply: (d, dir) => this.applyDiff(d, dir) },
      { sizeOf: (d) => d.before.length + d.after.length, maxBytes: HISTORY_BYTES },
    );
  }

  /**
   * Runs `paint` on the layer, limited to `rect`, and records what changed. Returns the
   * clipped rectangle (empty when nothing changed).
   */
  edit(layer: LayerId, rect: Rect, paint: (bitmap: MaskBitmap, rect: Rect) => void): Rect {
    const r = clip(rect, this.width, this.height);
    if (isEmpty(r)) return r;
    const bitmap = this.layers[layer];
    const before = bitmap.read(r);
    paint(bitmap, r);
    const after = bitmap.read(r);
    if (sameBytes(before, after)) return { x: r.x, y: r.y, w: 0, h: 0 };
    this.covered[layer] += nonZero(after) - nonZero(before);
    this.history.record({ layer, rect: r, before, after });
    this.emit(layer, r);
    return r;
  }

  /** replaces a layer with pixels loaded from the library; not undoable, so history restarts */
  load(layer: LayerId, pixels: Uint8Array): void {
    const full = { x: 0, y: 0, w: this.width, h: this.height };
    this.layers[layer].write(full, pixels);
    this.covered[layer] = nonZero(pixels);
    this.history.clear();
    this.emit(layer, full);
  }

  /** the number of pixels of the layer above zero */
  coverage(layer: LayerId): number {
    return this.covered[layer];
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private applyDiff(d: MaskDiff, direction: 'undo' | 'redo'): void {
    const [from, to] = direction === 'undo' ? [d.after, d.before] : [d.before, d.after];
    this.layers[d.layer].write(d.rect, to);
    this.covered[d.layer] += nonZero(to) - nonZero(from);
    this.emit(d.layer, d.rect);
  }

  private emit(layer: LayerId, rect: Rect): void {
    for (const l of this.listeners) l(layer, rect);
  }
}

function nonZero(a: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return n;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
