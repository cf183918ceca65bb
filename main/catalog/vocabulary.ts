/**
 * The fixed words of a catalog: the 20 SynFashion categories, the standard views, render
 * kinds, mask purposes, combo roles and generation states. Migrations seed categories and
 * views from here; custom ones are added beside them.
 */

import type { RenderKind } from '../../preload/api/library-types';

export const SYNFASHION_CATEGORIES = [
  { slug: 'pants', name: 'pants' },
  { slug: 't-shirt', name: 'T-shirt' },
  { slug: 'lingerie-swimwear', name: 'lingerie & swimwear' },
  { slug: 'half-skirt', name: 'half skirt' },
  { slug: 'hoodie', name: 'hoodie' },
  { slug: 'coat', name: 'coat' },
  { slug: 'jacket', name: 'jacket' },
  { slug: 'set', name: 'set' },
  { slug: 'home-wear', name: 'home-wear' },
  { slug: 'hat', name: 'hat' },
  { slug: 'hanfu', name: 'Hanfu' },
  { slug: 'jeans', name: 'jeans' },
  { slug: 'shorts', name: 'shorts' },
  { slug: 'down-jacket', name: 'down jacket' },
  { slug: 'vest-camisole', name: 'vest & camisole' },
  { slug: 'shirt', name: 'shirt' },
  { slug: 'suit', name: 'suit' },
  { slug: 'dress', name: 'dress' },
  { slug: 'sweater', name: 'sweater' },
  { slug: 'trench-coat', name: 'trench coat' },
] as const;

export const STANDARD_VIEWS = [
  { slug: 'front', name: 'front' },
  { slug: 'back', name: 'back' },
  { slug: 'left', name: 'left' },
  { slug: 'right', name: 'right' },
  { slug: 'three-quarter', name: 'three-quarter' },
] as const;

// the API contract states these lists once; the catalog stores exactly them
export { COMBO_ROLES, MASK_PURPOSES, RENDER_KINDS, type ComboRole, type MaskPurpose, type RenderKind } from '../../preload/api/library-types';

export const GENERATION_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

/** lower-case words joined by '-': 'Lingerie & Swimwear' -> 'lingerie-swimwear' */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/** a key that ignores case, spacing and punctuation: 'T_Shirt', 't-shirt' and 'tshirt' agree */
export function looseKey(text: string): string {
  return slugify(text).replace(/-/g, '');
}

const KIND_ALIASES: Record<string, RenderKind> = {
  raster: 'raster',
  rast: 'raster',
  rasterized: 'raster',
  rasterised: 'raster',
  raytrace: 'raytrace',
  rt: 'raytrace',
  raytraced: 'raytrace',
  pathtraced: 'raytrace',
  photo: 'photo',
};

/** every spelling of a render kind that file names may use */
export const KIND_SPELLINGS = Object.keys(KIND_ALIASES);

export function parseKind(text: string): RenderKind | undefined {
  return KIND_ALIASES[text.toLowerCase()];
}

const VIEW_ALIASES: Record<string, string> = {
  front: 'front',
  back: 'back',
  rear: 'back',
  left: 'left',
  right: 'right',
  threequarter: 'three-quarter',
  '34': 'three-quarter',
  '3q': 'three-quarter',
  '3quarter': 'three-quarter',
};

/** the standard view's slug for a spelling such as 'three_quarter' or '3q', else a custom slug */
export function viewSlug(text: string): string {
  return VIEW_ALIASES[looseKey(text)] ?? slugify(text);
}
