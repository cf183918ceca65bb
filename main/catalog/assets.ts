import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogDb } from './database';

export const ASSETS_DIR = 'assets';

/** the file extensions assets are stored under, by sharp's format name */
export const ASSET_EXT: Record<string, string> = { png: 'png', jpeg: 'jpg', jpg: 'jpg', webp: 'webp', tiff: 'tif', tif: 'tif', heif: 'avif', avif: 'avif' };

export interface AssetRef {
  hash: string;
  ext: string;
  bytes: number;
  width?: number | null;
  height?: number | null;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `assets/ab/cdef....png`, relative to the library folder, always with '/' */
export function assetRelativePath(hash: string, ext: string): string {
  return `${ASSETS_DIR}/${hash.slice(0, 2)}/${hash.slice(2)}.${ext}`;
}

/**
 * Stores `bytes` under their hash unless already there. The file appears whole or not at
 * all: written to a temporary name in the same folder, flushed, then renamed. A crash may
 * leave an unreferenced asset behind, never a half-written one.
 */
export function writeAsset(root: string, bytes: Uint8Array, ext: string, hash = sha256(bytes)): AssetRef {
  const rel = assetRelativePath(hash, ext);
  const file = join(root, rel);
  try {
    if (statSync(file).size === bytes.length) return { hash, ext, bytes: bytes.length };
  } catch {
    // not stored yet
  }
  mkdirSync(join(root, ASSETS_DIR, hash.slice(0, 2)), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return { hash, ext, bytes: bytes.length };
}

/** the asset's row id, adding the row when it is new (call inside the write transaction) */
export function registerAsset(db: CatalogDb, a: AssetRef): number {
  const added = db
    .sql<unknown[], { id: number }>('INSERT INTO assets (hash, ext, bytes, width, height) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING RETURNING id')
    .get(a.hash, a.ext, a.bytes, a.width ?? null, a.height ?? null);
  return added?.id ?? db.sql<[string], { id: number }>('SELECT id FROM assets WHERE hash = ?').get(a.hash)!.id;
}
