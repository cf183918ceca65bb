import type { Database } from 'better-sqlite3';
import { UserError } from '../../common/errors';
import type { Migration } from './types';
import { migration001 } from './001-catalog';
import { migration002 } from './002-work';
import { migration003 } from './003-search';
import { migration004 } from './004-export-jobs';
import { migration005 } from './005-shot-owners';
import { migration006 } from './006-chosen-shots';
import { migration007 } from './007-swatch-repeats';
import { migration008 } from './008-queue';
import { migration009 } from './009-combo-renders';
import { migration010 } from './010-region-presets';
import { migration011 } from './011-garment-models';
import { migration012 } from './012-garment-materials';

export type { Migration } from './types';

/** every schema step in order; a library's `PRAGMA user_version` is the last one applied */
export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007, migration008, migration009, migration010, migration011, migration012];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to `target`, one transaction per migration. The write lock is
 * taken before the version is read, so two processes opening a fresh library at once
 * migrate it once. A database written by a newer R2R Studio is refused, untouched.
 */
export function migrate(db: Database, file: string, target = SCHEMA_VERSION): { from: number; to: number } {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new UserError(
      'library-too-new',
      `${file} has schema version ${from}, newer than this R2R Studio understands (${SCHEMA_VERSION})`,
      'Open it with the newer R2R Studio that wrote it, or update this one.',
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version > target) break;
    if (m.version <= from) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      // another process may have applied it while we waited for the lock
      if (schemaVersion(db) < m.version) {
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }
  return { from, to: Math.max(from, Math.min(target, SCHEMA_VERSION)) };
}
