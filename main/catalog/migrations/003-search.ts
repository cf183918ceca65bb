import type { Migration } from './types';

// the searchable text of garments matching `where`; tags and category are folded in
const DOCUMENT = (where: string) => `
  INSERT INTO garment_search (rowid, sku, name, tags, category)
  SELECT g.id, g.sku, g.name,
         coalesce((SELECT group_concat(t.tag, ' ') FROM garment_tags t WHERE t.garment_id = g.id), ''),
         c.name
  FROM garments g JOIN categories c ON c.id = g.category_id
  WHERE ${where};`;

/** full-text search over SKU, name, tags and category, kept current by triggers */
export const migration003: Migration = {
  version: 3,
  name: 'garment full-text search',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE garment_search USING fts5 (
        sku, name, tags, category,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
      );

      CREATE TRIGGER garment_search_insert AFTER INSERT ON garments BEGIN
        ${DOCUMENT('g.id = NEW.id')}
      END;
      CREATE TRIGGER garment_search_update AFTER UPDATE OF sku, name, category_id ON garments BEGIN
        DELETE FROM garment_search WHERE rowid = OLD.id;
        ${DOCUMENT('g.id = NEW.id')}
      END;
      CREATE TRIGGER garment_search_delete AFTER DELETE ON garments BEGIN
        DELETE FROM garment_search WHERE rowid = OLD.id;
      END;
      CREATE TRIGGER garment_search_tag_insert AFTER INSERT ON garment_tags BEGIN
        DELETE FROM garment_search WHERE rowid = NEW.garment_id;
        ${DOCUMENT('g.id = NEW.garment_id')}
      END;
      CREATE TRIGGER garment_search_tag_delete AFTER DELETE ON garment_tags BEGIN
        DELETE FROM garment_search WHERE rowid = OLD.garment_id;
        ${DOCUMENT('g.id = OLD.garment_id')}
      END;
      CREATE TRIGGER garment_search_category_rename AFTER UPDATE OF name ON categories BEGIN
        DELETE FROM garment_search WHERE rowid IN (SELECT id FROM garments WHERE category_id = NEW.id);
        ${DOCUMENT('g.category_id = NEW.id')}
      END;
    `);
    db.exec(DOCUMENT('1'));
  },
};
