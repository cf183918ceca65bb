import type { RenderKind } from './library-types';

/** the garment roles an outfit can be dressed with (a combo's accessories are not dressed) */
export const DRESS_ROLES = ['top', 'bottom', 'outer', 'dress', 'shoes'] as const;

/** the Dress panel's starting prompt, and what an outfits export dresses with unless told otherwise */
export const OUTFIT_PROMPT = 'a person standing, full body, plain studio background';
export type DressRole = (typeof DRESS_ROLES)[number];

/** a box on the canvas as fractions of its width and height */
export interface OutfitBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** an image of the whole combo worn (an avatar rendered by the 3D tool): one per view and kind */
export interface ComboRenderRecord {
  id: number;
  comboId: number;
  view: string;
  kind: RenderKind;
  width: number;
  height: number;
  /** the image asset's hash */
  asset: string;
  /** relative to the library folder */
  path: string;
  sourcePath: string | null;
}

/** one garment's region in the outfit: from the auto layout by role, or edited by the artist */
export interface OutfitLayoutBox {
  garmentId: number;
  sku: string;
  role: DressRole;
  box: OutfitBox;
  /** where the auto layout puts it (what Delete resets the box to) */
  auto: OutfitBox;
  /** true when the artist moved or resized it (saved with the combo) */
  edited: boolean;
  /** the garment's render the dress shot reads its texture from */
  renderId: number;
  /** that render's image asset */
  asset: string;
}

export interface OutfitLayoutRecord {
  comboId: number;
  boxes: OutfitLayoutBox[];
  /** combo items the dress shot leaves out (accessories, garments without an image) and why */
  skipped: { garmentId: number; sku: string; reason: string }[];
}

/** the dress job's params, as the Combos view's Dress panel sends them */
export interface DressJobParams {
  library: string;
  comboId: number;
  model: string;
  prompt: string;
  negative?: string;
  /** translate this outfit render (R2R with texture lock per garment) instead of text-to-image */
  renderId?: number;
  /** the view whose garment renders are read (default front) */
  view?: string;
  /** per-garment fidelity 0..1 (default 1), by garment id */
  fidelity?: Record<string, number>;
  steps?: number;
  strength?: number;
  seed?: number;
  width?: number;
  height?: number;
  provider?: string;
}

export interface DressJobResult {
  generationId: number;
  /** the output asset's hash */
  output: string;
  outputPath: string;
  sampleEvaluations: number;
  separateShotsSampleEvaluations: number;
}

/** a dressed outfit: a generation of the combo, with the dress shot's report once done */
export interface DressedOutfitRecord {
  id: number;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  output: string | null;
  outputPath: string | null;
  seed: number;
  params: Record<string, unknown>;
  /** regions, sample-evaluations and timings of the shot */
  report: Record<string, unknown> | null;
  error: string | null;
  createdAt: string;
}
