/** Click-to-mask with a user-supplied Segment Anything model (SAM 1 / MobileSAM or SAM 2). */

import type { MaskPixels } from './library-types';

export type SamVariantName = 'sam1' | 'sam2';

/** the Segment Anything model folder picked for the open library (else the last pick anywhere) */
export interface SamModelRecord {
  /** null: none picked */
  path: string | null;
  variant: SamVariantName | null;
  /** why the picked folder cannot be used now (moved, damaged) */
  problem?: string;
  /** where to put a model and what the folder must hold, for the UI to show */
  layout: string;
}

export interface SamPromptRecord {
  /** clicks in image pixels; positive adds, negative removes */
  points: { x: number; y: number; positive: boolean }[];
  /** a dragged box in image pixels */
  box?: { x0: number; y0: number; x1: number; y1: number };
}

export interface SamPrepareRecord {
  renderId: number;
  variant: SamVariantName;
  /** true when the embedding came from the cache (the encoder did not run) */
  cached: boolean;
  ms: number;
}

/** a mask at the render's size, 0 or 255 a pixel, as the masks service carries them */
export interface SamMaskRecord extends MaskPixels {
  /** the decoder's predicted IoU */
  score: number;
  /** decoder time in the backend */
  ms: number;
}
