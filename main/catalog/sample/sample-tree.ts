import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STANDARD_VIEWS } from '../vocabulary';
import { seededRandom } from '../../common/seeded-random';
import { renderAvatarImage } from './avatar';
import { renderGarmentImage } from './render';
import type { SampleLook } from './render';
import { CATEGORY_FAMILY } from './silhouettes';
import { COLORWAYS } from './textiles';
import type { ColorwaySpec, TextileKind } from './textiles';

export interface SampleOptions {
  seed?: number;
  /** number of garments (default 8, one category each, cycling) */
  garments?: number;
  /** colorways per garment (default 2) */
  colorways?: number;
  width?: number;
  height?: number;
  /** views drawn (default: all five standard views) */
  views?: string[];
  /** avatars wearing a tee, each with a label mask (`<view>_<kind>.mask.png`) naming its garment, skin, face and background (default 0) */
  avatars?: number;
  onImage?(done: number, total: number): void;
}

export interface SampleGarment {
  sku: string;
  name: string;
  category: string;
  tags: string[];
  colorways: string[];
}

export interface SampleTree {
  dir: string;
  garments: SampleGarment[];
  images: number;
  width: number;
  height: number;
  views: string[];
}

interface CategoryPlan {
  slug: string;
  code: string;
  noun: string;
  textiles: TextileKind[];
}

const PLAN: CategoryPlan[] = [
  { slug: 't-shirt', code: 'TS', noun: 'Tee', textiles: ['knit', 'floral', 'plaid'] },
  { slug: 'jeans', code: 'JN', noun: 'Jeans', textiles: ['denim'] },
  { slug: 'dress', code: 'DR', noun: 'Dress', textiles: ['floral', 'plaid', 'knit'] },
  { slug: 'half-skirt', code: 'SK', noun: 'Skirt', textiles: ['plaid', 'denim', 'floral'] },
  { slug: 'hoodie', code: 'HD', noun: 'Hoodie', textiles: ['knit'] },
  { slug: 'sweater', code: 'SW', noun: 'Sweater', textiles: ['knit'] },
  { slug: 'jacket', code: 'JK', noun: 'Jacket', textiles: ['denim', 'plaid'] },
  { slug: 'pants', code: 'PT', noun: 'Trousers', textiles: ['plaid', 'denim', 'knit'] },
  { slug: 'shorts', code: 'SH', noun: 'Shorts', textiles: ['denim', 'floral'] },
  { slug: 'coat', code: 'CT', noun: 'Coat', textiles: ['plaid', 'knit'] },
  { slug: 'hat', code: 'HT', noun: 'Hat', textiles: ['knit', 'plaid'] },
];

export const DEFAULT_SAMPLE_SEED = 7;

/** the seed of the textile of garment `gi`'s colorway `ci`: the true swatch is made with the same */
export const textileSeed = (seed: number, gi: number, ci: number): number => seed * 1000 + gi * 10 + ci;

const STYLE_WORDS = ['Classic', 'Relaxed', 'Slim', 'Cropped', 'Oversized', 'Tailored', 'Vintage', 'Everyday'];

/**
 * Writes a small SynFashion-style source tree, the importer's default layout:
 * `<category>/<sku>/<colorway>/<view>_<raster|raytrace>.png` plus a garment.json per
 * garment. Deterministic for a seed; no downloads.
 */
export async function writeSampleTree(dir: string, opts: SampleOptions = {}): Promise<SampleTree> {
  const seed = opts.seed ?? DEFAULT_SAMPLE_SEED;
  const count = opts.garments ?? 8;
  const perGarment = Math.max(1, Math.min(opts.colorways ?? 2, 4));
  const width = opts.width ?? 512;
  const height = opts.height ?? 640;
  const views = opts.views ?? STANDARD_VIEWS.map((v) => v.slug);
  const looks: SampleLook[] = ['raster', 'raytrace'];
  const rand = seededRandom(seed);
  const garments: SampleGarment[] = [];
  const avatars = Math.max(0, Math.min(opts.avatars ?? 0, 20));
  const total = (count * perGarment + avatars) * views.length * looks.length;
  let done = 0;
  for (let gi = 0; gi < count; gi++) {
    const plan = PLAN[gi % PLAN.length]!;
    const sku = `${plan.code}-${String(1001 + gi)}`;
    const style = STYLE_WORDS[Math.floor(rand() * STYLE_WORDS.length)]!;
    const candidates = COLORWAYS.filter((c) => plan.textiles.includes(c.kind));
    const chosen: ColorwaySpec[] = [];
    for (let k = 0; k < perGarment && candidates.length; k++) {
      chosen.push(candidates.splice(Math.floor(rand() * candidates.length), 1)[0]!);
    }
    const kinds = [...new Set(chosen.map((c) => c.kind))];
    const garment: SampleGarment = {
      sku,
      name: `${style} ${kinds[0]![0]!.toUpperCase()}${kinds[0]!.slice(1)} ${plan.noun}`,
      category: plan.slug,
      tags: [style.toLowerCase(), ...kinds, 'sample'],
      colorways: chosen.map((c) => c.name),
    };
    garments.push(garment);
    const gdir = join(dir, plan.slug, sku);
    mkdirSync(gdir, { recursive: true });
    writeFileSync(join(gdir, 'garment.json'), JSON.stringify({ sku, name: garment.name, category: plan.slug, tags: garment.tags, notes: 'procedural sample' }, null, 2) + '\n');
    for (const [ci, cw] of chosen.entries()) {
      const textile = cw.make(textileSeed(seed, gi, ci));
      const cdir = join(gdir, cw.name);
      mkdirSync(cdir, { recursive: true });
      for (const view of views) {
        for (const look of looks) {
          const png = await renderGarmentImage({ family: CATEGORY_FAMILY[plan.slug]!, textile, view, look, width, height, seed: seed + gi });
          writeFileSync(join(cdir, `${view}_${look}.png`), png);
          opts.onImage?.(++done, total);
        }
      }
    }
  }
  // avatars: one knit colorway each, after the garments so a seed draws the same garments with or without them
  const knits = COLORWAYS.filter((c) => c.kind === 'knit');
  for (let ai = 0; ai < avatars; ai++) {
    const cw = knits[ai % knits.length]!;
    const sku = `AV-${String(2001 + ai)}`;
    const garment: SampleGarment = { sku, name: `Avatar in ${cw.name} Tee`, category: 't-shirt', tags: ['avatar', 'knit', 'sample'], colorways: [cw.name] };
    garments.push(garment);
    const cdir = join(dir, 't-shirt', sku, cw.name);
    mkdirSync(cdir, { recursive: true });
    writeFileSync(join(dir, 't-shirt', sku, 'garment.json'), JSON.stringify({ sku, name: garment.name, category: 't-shirt', tags: garment.tags, notes: 'procedural sample avatar; label masks beside the renders' }, null, 2) + '\n');
    // the garment's index in the tree, as storeTrueSwatches seeds the true tile
    const textile = cw.make(textileSeed(seed, garments.length - 1, 0));
    for (const view of views) {
      for (const look of looks) {
        const { png, labels } = await renderAvatarImage({ textile, view, look, width, height });
        writeFileSync(join(cdir, `${view}_${look}.png`), png);
        writeFileSync(join(cdir, `${view}_${look}.mask.png`), labels);
        opts.onImage?.(++done, total);
      }
    }
  }
  return { dir, garments, images: total, width, height, views };
}
