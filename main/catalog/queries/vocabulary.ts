import { UserError } from '../../common/errors';
import type { CatalogDb } from '../database';
import type { Category, View } from '../types';
import { looseKey, slugify, viewSlug } from '../vocabulary';

interface LookupRow {
  id: number;
  slug: string;
  name: string;
  builtin: number;
}

const toLookup = (r: LookupRow) => ({ id: r.id, slug: r.slug, name: r.name, builtin: r.builtin === 1 });

export function listCategories(db: CatalogDb): Category[] {
  return db.sql<[], LookupRow>('SELECT id, slug, name, builtin FROM categories ORDER BY sort_order, name').all().map(toLookup);
}

export function listViews(db: CatalogDb): View[] {
  return db.sql<[], LookupRow>('SELECT id, slug, name, builtin FROM views ORDER BY sort_order, name').all().map(toLookup);
}

/** the category whose slug or name matches `text` ignoring case and punctuation */
export function findCategory(db: CatalogDb, text: string): Category | undefined {
  const key = looseKey(text);
  return listCategories(db).find((c) => looseKey(c.slug) === key || looseKey(c.name) === key);
}

export function requireCategory(db: CatalogDb, text: string): Category {
  const c = findCategory(db, text);
  if (!c) {
    throw new UserError('unknown-category', `no category '${text}' in this library`, `Known: ${listCategories(db).map((x) => x.slug).join(', ')}.`);
  }
  return c;
}

/** the category for `text`, added as a custom category when the library has none like it */
export function ensureCategory(db: CatalogDb, text: string): number {
  const found = findCategory(db, text);
  if (found) return found.id;
  const slug = slugify(text);
  if (!slug) throw new UserError('bad-category', `'${text}' cannot name a category`, 'Use letters or digits in category names.');
  return Number(db.sql('INSERT INTO categories (slug, name) VALUES (?, ?)').run(slug, text.trim()).lastInsertRowid);
}

/** the view for a spelling such as 'front', '3q' or 'three_quarter', added as custom when new */
export function ensureView(db: CatalogDb, text: string): number {
  const slug = viewSlug(text);
  if (!slug) throw new UserError('bad-view', `'${text}' cannot name a view`, 'Use letters or digits in view names.');
  const found = db.sql<[string], { id: number }>('SELECT id FROM views WHERE slug = ?').get(slug);
  if (found) return found.id;
  return Number(db.sql('INSERT INTO views (slug, name) VALUES (?, ?)').run(slug, text.trim()).lastInsertRowid);
}
