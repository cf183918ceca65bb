import type { MaskEditor } from '../../canvas/editor';

/**
 * The mask editors of the last few shots, kept when the shot view closes (a look at the
 * compare view, the library) so unsaved strokes and their undo history survive the trip.
 */
const KEEP = 3;
const editors = new Map<number, { editor: MaskEditor; image: HTMLImageElement; saved: boolean }>();

export function keepEditor(renderId: number, editor: MaskEditor, image: HTMLImageElement, saved: boolean): void {
  editors.delete(renderId);
  editors.set(renderId, { editor, image, saved });
  while (editors.size > KEEP) editors.delete(editors.keys().next().value!);
}

export function takeEditor(renderId: number): { editor: MaskEditor; image: HTMLImageElement; saved: boolean } | undefined {
  const e = editors.get(renderId);
  editors.delete(renderId);
  return e;
}

/** a saved mask makes a kept editor stale only if it was saved elsewhere; drop on library change */
export function forgetEditors(): void {
  editors.clear();
}
