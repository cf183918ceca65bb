/**
 * Records of a library as the API, the CLI and the export helper see them (JSON-safe): the
 * records of the API contract (preload/api/library-types.ts) and the fields only main/ uses.
 */
import type { ComboItemRecord, ComboRecord, GarmentSummaryRecord, GenerationRecord, MaskRecord, RenderRecord } from '../../preload/api/library-types';
import type { GenerationStatus, RenderKind } from './vocabulary';

export type { ComboRole, GenerationStatus, MaskPurpose, RenderKind } from './vocabulary';

export interface Category {
  id: number;
  slug: string;
  name: string;
  /** one of the 20 SynFashion categories (false: added by the artist) */
  builtin: boolean;
}

export interface View {
  id: number;
  slug: string;
  name: string;
  builtin: boolean;
}

export interface Asset {
  /** sha-256 of the file's bytes, lower-case hex */
  hash: string;
  ext: string;
  bytes: number;
  width: number | null;
  height: number | null;
  /** relative to the library folder: assets/ab/cdef....png */
  path: string;
}

export interface Garment extends Omit<GarmentSummaryRecord, 'renders'> {
  notes: string;
  createdAt: string;
  updatedAt: string;
}

export interface Colorway {
  id: number;
  garmentId: number;
  name: string;
  /** hash of the swatch texture asset, when there is one */
  texture: string | null;
}

export interface Render extends RenderRecord {
  sourcePath: string | null;
  createdAt: string;
}

export interface Mask extends MaskRecord {
  path: string;
  createdAt: string;
}

export type ComboItem = ComboItemRecord;

export interface Combo extends ComboRecord {
  createdAt: string;
}

export type GenerationSource = { renderId: number; comboId?: undefined } | { comboId: number; renderId?: undefined };

export interface Generation extends GenerationRecord {
  status: GenerationStatus;
  error: string | null;
  metrics: Record<string, unknown> | null;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

/** a garment in a search result, with its renders (only those of the asked kind, when one is asked) */
export interface GarmentSummary extends Garment {
  renders: Render[];
}

export interface GarmentDetail extends Garment {
  colorways: Colorway[];
  /** the views that have at least one render, in standard order */
  views: View[];
  renders: Render[];
  masks: Mask[];
  generations: Generation[];
}

export interface GarmentQuery {
  /** category slug or name, case-insensitive */
  category?: string;
  /** words matched (as prefixes, all of them) against SKU, name, tags and category */
  text?: string;
  /** garments with at least one render of this kind; their listed renders are limited to it */
  kind?: RenderKind;
  /** true: garments with a finished generation (from one of their renders or a combo holding them); false: without */
  hasGeneration?: boolean;
  tag?: string;
  orderBy?: 'sku' | 'name' | 'created';
  /** page size, 1..1000 (default 50) */
  limit?: number;
  offset?: number;
}

export interface GarmentPage {
  /** all matches, not just this page */
  total: number;
  garments: GarmentSummary[];
}
