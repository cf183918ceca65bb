/**
 * Catalog records as the UI sees them (library, masks and combos services). They are the one
 * statement of these shapes: main/catalog/types.ts extends them with the fields only main/
 * uses, and the services return exactly these fields.
 */

export const RENDER_KINDS = ['raster', 'raytrace', 'photo'] as const;
export type RenderKind = (typeof RENDER_KINDS)[number];

export const MASK_PURPOSES = ['edit', 'texture-lock', 'garment'] as const;
export type MaskPurpose = (typeof MASK_PURPOSES)[number];

export const COMBO_ROLES = ['top', 'bottom', 'outer', 'dress', 'shoes', 'accessory'] as const;
export type ComboRole = (typeof COMBO_ROLES)[number];

export interface LibraryInfo {
  /** absolute folder of the open library */
  root: string;
  name: string;
  garments: number;
  renders: number;
}

export interface RenderRecord {
  id: number;
  colorwayId: number;
  colorway: string;
  /** view slug: front, back, left, right, three-quarter or a custom one */
  view: string;
  kind: RenderKind;
  renderer: string;
  width: number;
  height: number;
  /** asset hash: the server serves it at /files/asset/<hash> and /files/thumb/<hash>?size=N */
  asset: string;
  /** the asset's path inside the library folder (for tools that work on files, e.g. `r2r metrics`) */
  path: string;
}

export interface GarmentSummaryRecord {
  id: number;
  sku: string;
  name: string;
  /** category slug, e.g. 't-shirt' */
  category: string;
  categoryName: string;
  tags: string[];
  renders: RenderRecord[];
}

export interface MaskRecord {
  id: number;
  renderId: number;
  purpose: MaskPurpose;
  asset: string;
  updatedAt: string;
}

export interface GenerationRecord {
  id: number;
  renderId: number | null;
  comboId: number | null;
  model: string;
  params: Record<string, unknown>;
  seed: number;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  /** hash of the output image asset once done */
  output: string | null;
  outputPath: string | null;
  createdAt: string;
}

export interface GarmentDetailRecord extends GarmentSummaryRecord {
  notes: string;
  colorways: { id: number; name: string; texture: string | null }[];
  views: { slug: string; name: string }[];
  masks: MaskRecord[];
  generations: GenerationRecord[];
  /** each render's accepted shot, where the artist chose one (the staging strip's Accept) */
  chosen: { renderId: number; generationId: number }[];
}

export interface GarmentFilter {
  category?: string;
  /** colorway name, case-insensitive */
  colorway?: string;
  text?: string;
  kind?: RenderKind;
  hasGeneration?: boolean;
  limit?: number;
  offset?: number;
}

export interface GarmentPageRecord {
  total: number;
  offset: number;
  garments: GarmentSummaryRecord[];
}

export interface LibraryFacets {
  categories: { slug: string; name: string; garments: number }[];
  colorways: { name: string; garments: number }[];
  kinds: RenderKind[];
}

/** a mask's pixels across the API: width*height bytes (0..255), deflate-compressed, base64 */
export interface MaskPixels {
  width: number;
  height: number;
  deflated: string;
}

export interface ComboItemRecord {
  garmentId: number;
  sku: string;
  colorwayId: number | null;
  role: ComboRole;
  /** drawing order, lowest first */
  layer: number;
}

export interface ComboRecord {
  id: number;
  name: string;
  notes: string;
  items: ComboItemRecord[];
  updatedAt: string;
}

export interface ComboInputRecord {
  name: string;
  notes?: string;
  items: { garment: number; colorwayId?: number | null; role: ComboRole; layer?: number }[];
}
