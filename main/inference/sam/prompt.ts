import { UserError } from '../../common/errors';
import type { SamVariant } from './sam-contract';
import { toModelPoint, type SamFrame } from './sam-frame';

/** a click in image pixels: positive adds the object under it, negative removes what is under it */
export interface SamPoint {
  x: number;
  y: number;
  positive: boolean;
}

/** corners in image pixels, any order */
export interface SamBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface SamPrompt {
  points: readonly SamPoint[];
  box?: SamBox;
}

/** the decoder's point_coords [1, N, 2] (1024 space) and point_labels [1, N] */
export interface DecoderPoints {
  coords: Float32Array;
  labels: Float32Array;
  count: number;
}

// the labels of segment_anything's prompt encoder: 1 foreground, 0 background, 2/3 box corners, -1 padding
const LABEL = { positive: 1, negative: 0, boxTopLeft: 2, boxBottomRight: 3, padding: -1 } as const;

/**
 * The prompt as each decoder export takes it. SAM 1 (the official ONNX example): points,
 * then the box corners; without a box a padding point (0, 0) labelled -1 closes the list.
 * SAM 2 (SAM2ImagePredictor._predict): the box corners first, then the points; no padding.
 */
export function decoderPoints(prompt: SamPrompt, frame: SamFrame, variant: SamVariant): DecoderPoints {
  if (prompt.points.length === 0 && !prompt.box) {
    throw new UserError('sam-empty-prompt', 'There is nothing to segment: no click and no box.', 'Click on the object, or drag a box around it.');
  }
  const entries: [number, number, number][] = prompt.points.map((p) => [...toModelPoint(frame, p.x, p.y), p.positive ? LABEL.positive : LABEL.negative]);
  const box: [number, number, number][] = [];
  if (prompt.box) {
    const b = prompt.box;
    box.push([...toModelPoint(frame, Math.min(b.x0, b.x1), Math.min(b.y0, b.y1)), LABEL.boxTopLeft]);
    box.push([...toModelPoint(frame, Math.max(b.x0, b.x1), Math.max(b.y0, b.y1)), LABEL.boxBottomRight]);
  }
  const all = variant === 'sam2' ? [...box, ...entries] : [...entries, ...box, ...(prompt.box ? [] : [[0, 0, LABEL.padding] as [number, number, number]])];
  const coords = new Float32Array(all.length * 2);
  const labels = new Float32Array(all.length);
  all.forEach(([x, y, l], i) => {
    coords[2 * i] = x;
    coords[2 * i + 1] = y;
    labels[i] = l;
  });
  return { coords, labels, count: all.length };
}
