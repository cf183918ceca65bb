import type { Migration } from './types';

// the searchable row of garments matching `where`: text columns plus facet tokens
// (`c<category id>`, `k<render kind>` per kind it has) so filters intersect inside fts5
const DOCUMENT = (where: string) => `
  INSERT OR REPLACE INTO garment_search (rowid, sku, name, tags, category, facets)
  SELECT g.id, g.sku, g.name,
         coalesce((SELECT group_concat(t.tag, ' ') FROM garment_tags t WHERE t.garment_id = g.id), ''),
         c.name,
         'c' || g.category_id || coalesce((SELECT ' ' || group_concat('k' || kind, ' ') FROM
           (SELECT DISTINCT r.kind FROM colorways w JOIN renders r ON r.colorway_id = w.id WHERE w.garment_id = g.id)), '')
  FROM garments g JOIN categories c ON c.id = g.category_id
  WHERE ${where};`;

const GARMENT_OF = (colorway: string) => `(SELECT garment_id FROM colorways WHERE id = ${colorway})`;

// true when the garment of `row` has no other render of row's kind
const ONLY_OF_KIND = (row: 'NEW' | 'OLD') => `NOT EXISTS (
  SELECT 1 FROM colorways w JOIN renders r ON r.colorway_id = w.id
  WHERE w.garment_id = ${GARMENT_OF(`${row}.colorway_id`)} AND r.kind = ${row}.kind AND r.id <> ${row}.id)`;

/**
 * Full-text search over SKU, name, tags and category, with category and render-kind facets,
 * kept current by triggers. Contentless: the text lives in the tables, the index only
 * answers which garments match.
 */
export const migration003: Migration = {
  version: 3,
  name: 'garment full-text search',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE garment_search USING fts5 (
        sku, name, tags, category, facets,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
      );

      CREATE TRIGGER garment_search_insert AFTER INSERT ON garments BEGIN
        ${DOCUMENT('g.id = NEW.id')}
      END;
      CREATE TRIGGER garment_search_update AFTER UPDATE OF sku, name, category_id ON garments BEGIN
        ${DOCUMENT('g.id = NEW.id')}
      END;
      CREATE TRIGGER garment_search_delete AFTER DELETE ON garments BEGIN
        DELETE FROM garment_search WHERE rowid = OLD.id;
      END;
      CREATE TRIGGER garment_search_tag_insert AFTER INSERT ON garment_tags BEGIN
        ${DOCUMENT('g.id = NEW.garment_id')}
      END;
      CREATE TRIGGER garment_search_tag_delete AFTER DELETE ON garment_tags BEGIN
        ${DOCUMENT('g.id = OLD.garment_id')}
      END;
      CREATE TRIGGER garment_search_category_rename AFTER UPDATE OF name ON categories BEGIN
        ${DOCUMENT('g.category_id = NEW.id')}
      END;
      -- the kind facet changes only with a garment's first render of a kind, or its last
      CREATE TRIGGER garment_search_render_insert AFTER INSERT ON renders WHEN ${ONLY_OF_KIND('NEW')} BEGIN
        ${DOCUMENT(`g.id = ${GARMENT_OF('NEW.colorway_id')}`)}
      END;
      CREATE TRIGGER garment_search_render_delete AFTER DELETE ON renders WHEN ${ONLY_OF_KIND('OLD')} BEGIN
        ${DOCUMENT(`g.id = ${GARMENT_OF('OLD.colorway_id')}`)}
      END;
      CREATE TRIGGER garment_search_render_update AFTER UPDATE OF kind, colorway_id ON renders BEGIN
        ${DOCUMENT(`g.id IN (${GARMENT_OF('OLD.colorway_id')}, ${GARMENT_OF('NEW.colorway_id')})`)}
      END;
    `);
    db.exec(DOCUMENT('1'));
  },
};
