import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { UserError } from '../common/errors';
import { migrate, SCHEMA_VERSION, schemaVersion } from './migrations/index';

/**
 * A connection with the library's settings and a prepared-statement cache: `sql(text)`
 * prepares each distinct statement once per connection.
 */
export interface CatalogDb {
  readonly raw: Db;
  readonly file: string;
  sql<P extends unknown[] | object = unknown[], R = unknown>(text: string): Statement<P, R>;
  /** runs `fn` in one IMMEDIATE transaction (takes the write lock first: no upgrade deadlocks) */
  write<T>(fn: () => T): T;
  close(): void;
}

const BUSY_TIMEOUT_MS = 10_000;

export function openCatalogDb(file: string, opts: { readonly?: boolean; migrate?: boolean } = {}): CatalogDb {
  let raw: Db;
  try {
    raw = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw new UserError('library-unreadable', `cannot open ${file}: ${(err as Error).message}`, 'Check that the folder is an R2R library and that you may read it.', { cause: err });
  }
  try {
    // refuse a newer library before any pragma writes to the file
    if (schemaVersion(raw) > SCHEMA_VERSION) assertReadableVersion(raw, file);
    if (!opts.readonly) {
      // wal lets readers (the app, a search) run while an import writes, across processes
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = NORMAL');
    }
    raw.pragma('foreign_keys = ON');
    if (opts.migrate !== false && !opts.readonly) migrate(raw, file);
    else assertReadableVersion(raw, file);
  } catch (err) {
    raw.close();
    if (err instanceof UserError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new UserError('library-corrupt', `${file} is not a readable SQLite database (${(err as Error).message})`, 'Restore the library from a copy, or create a new one with `r2r library init`.', { cause: err });
    }
    throw err;
  }
  const cache = new Map<string, Statement>();
  const begin = raw.prepare('BEGIN IMMEDIATE');
  const commit = raw.prepare('COMMIT');
  const rollback = raw.prepare('ROLLBACK');
  return {
    raw,
    file,
    sql<P extends unknown[] | object = unknown[], R = unknown>(text: string): Statement<P, R> {
      let s = cache.get(text);
      if (!s) {
        s = raw.prepare(text);
        cache.set(text, s);
      }
      return s as unknown as Statement<P, R>;
    },
    write<T>(fn: () => T): T {
      // nested calls join the outer transaction
      if (raw.inTransaction) return fn();
      begin.run();
      try {
        const out = fn();
        commit.run();
        return out;
      } catch (err) {
        if (raw.inTransaction) rollback.run();
        throw err;
      }
    },
    close() {
      cache.clear();
      raw.close();
    },
  };
}

/** creates an empty SQLite file with the current schema */
export function createCatalogDb(file: string): CatalogDb {
  const raw = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  raw.close();
  return openCatalogDb(file);
}

function assertReadableVersion(raw: Db, file: string): void {
  const v = schemaVersion(raw);
  if (v > SCHEMA_VERSION) {
    throw new UserError('library-too-new', `${file} has schema version ${v}, newer than this R2R Studio understands (${SCHEMA_VERSION})`, 'Open it with the newer R2R Studio that wrote it, or update this one.');
  }
  if (v < SCHEMA_VERSION) {
    throw new UserError('library-outdated', `${file} has schema version ${v}; this R2R Studio needs ${SCHEMA_VERSION}`, 'Open the library once for writing (e.g. `r2r import` or the app) to upgrade it.');
  }
}
