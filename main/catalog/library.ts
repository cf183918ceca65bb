import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../common/errors';
import { ASSETS_DIR, assetRelativePath, isAssetLeftover } from './assets';
import { createCatalogDb, openCatalogDb } from './database';
import type { CatalogDb } from './database';

export const LIBRARY_FILE = 'library.r2r.sqlite';

/**
 * An open library: a plain folder holding `library.r2r.sqlite`, `assets/` and a
 * `thumbnails/` cache. Paths stored in the database are relative to `root`, so the folder
 * may be copied or moved as a whole.
 */
export interface Library extends CatalogDb {
  readonly root: string;
}

function libraryRoot(dir: string): string {
  const abs = resolve(dir);
  return basename(abs) === LIBRARY_FILE ? dirname(abs) : abs;
}

export function isLibrary(dir: string): boolean {
  return existsSync(join(libraryRoot(dir), LIBRARY_FILE));
}

function wrap(root: string, db: CatalogDb): Library {
  return Object.assign(db, { root });
}

/** makes `dir` (created when missing) a new, empty library */
export function createLibrary(dir: string): Library {
  const root = libraryRoot(dir);
  if (existsSync(root) && !statSync(root).isDirectory()) {
    throw new UserError('not-a-folder', `${root} is a file, not a folder`, 'Give a folder path for the library.');
  }
  if (isLibrary(root)) {
    throw new UserError('library-exists', `${root} already holds a library`, 'Open it instead, or choose another folder.');
  }
  mkdirSync(join(root, ASSETS_DIR), { recursive: true });
  return wrap(root, createCatalogDb(join(root, LIBRARY_FILE)));
}

/** opens the library in `dir` (the folder or its library.r2r.sqlite), migrating it when older */
export function openLibrary(dir: string, opts: { readonly?: boolean } = {}): Library {
  const root = libraryRoot(dir);
  if (!isLibrary(root)) {
    // same code either way (callers and tests key on it); the message says which case it is
    if (!existsSync(root)) {
      throw new UserError('not-a-library', `${root} does not exist`, `Check the path, or create a library there with \`r2r library init ${dir}\`.`);
    }
    throw new UserError('not-a-library', `${root} is not an R2R library (no ${LIBRARY_FILE} in it)`, `Create one with \`r2r library init ${dir}\`, or pass the folder that holds ${LIBRARY_FILE}.`);
  }
  mkdirSync(join(root, ASSETS_DIR), { recursive: true });
  return wrap(root, openCatalogDb(join(root, LIBRARY_FILE), opts));
}

/** opens the library in `dir`, creating it first when the folder holds none */
export function openOrCreateLibrary(dir: string): Library {
  return isLibrary(dir) ? openLibrary(dir) : createLibrary(dir);
}

/** absolute path of an asset file */
export function assetFile(lib: Library, hash: string, ext?: string): string {
  const e = ext ?? lib.sql<[string], { ext: string }>('SELECT ext FROM assets WHERE hash = ?').get(hash)?.ext;
  if (!e) throw new UserError('asset-unknown', `no asset ${hash} in the library at ${lib.root}`);
  return join(lib.root, assetRelativePath(hash, e));
}

function assertFreeTarget(dst: string): void {
  if (existsSync(dst) && (!statSync(dst).isDirectory() || readdirSync(dst).length > 0)) {
    throw new UserError('target-not-empty', `${dst} already exists and is not an empty folder`, 'Choose a new folder name.');
  }
}

/**
 * Copies a library to `dst` while it may be in use: the database through SQLite's online
 * backup (a consistent snapshot, WAL included), then the assets. The thumbnail cache is
 * left behind; the copy rebuilds it when asked.
 */
export async function copyLibrary(src: string, dst: string): Promise<string> {
  const target = resolve(dst);
  assertFreeTarget(target);
  const lib = openLibrary(src);
  try {
    mkdirSync(target, { recursive: true });
    // snapshot first: assets are on disk before the rows that name them commit, so every
    // asset the snapshot refers to is already there when the folder is copied next
    await lib.raw.backup(join(target, LIBRARY_FILE));
    cpSync(join(lib.root, ASSETS_DIR), join(target, ASSETS_DIR), { recursive: true, filter: (p) => !isAssetLeftover(basename(p)) });
  } finally {
    lib.close();
  }
  return target;
}

/** moves a closed library folder to `dst`; refuses while another process has it open */
export function moveLibrary(src: string, dst: string): string {
  const root = libraryRoot(src);
  const target = resolve(dst);
  assertFreeTarget(target);
  const lib = openLibrary(root);
  lib.raw.pragma('wal_checkpoint(TRUNCATE)');
  lib.close();
  // the last connection to close removes the -wal file; if it stays, someone else has it open
  if (existsSync(join(root, LIBRARY_FILE + '-wal'))) {
    throw new UserError('library-in-use', `${root} is open in another process`, 'Close R2R Studio (or the running import) and try again.');
  }
  if (existsSync(target)) rmSync(target, { recursive: true });
  try {
    renameSync(root, target);
  } catch (err) {
    if ((err as { code?: string }).code !== 'EXDEV') throw err;
    cpSync(root, target, { recursive: true });
    rmSync(root, { recursive: true, force: true });
  }
  return target;
}
