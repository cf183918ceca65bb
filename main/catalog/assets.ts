import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { isTempFile, writeFileAtomic } from '../common/atomic-write';
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
 * all (the one atomic write: temporary name, fsync, rename, folder fsync), and never lands
 * outside the library's assets/ folder, whatever links are planted in it. A crash may leave
 * an unreferenced asset behind, never a half-written one.
 */
export function writeAsset(root: string, bytes: Uint8Array, ext: string, hash = sha256(bytes)): AssetRef {
  const file = join(root, assetRelativePath(hash, ext));
  const assets = join(root, ASSETS_DIR);
  try {
    const st = lstatSync(file);
    if (st.isFile() && st.size === bytes.length) return { hash, ext, bytes: bytes.length };
  } catch {
    // not stored yet
  }
  writeFileAtomic(file, bytes, { insideRoot: assets });
  return { hash, ext, bytes: bytes.length };
}

/** a temporary file of a killed write in assets/: the atomic write's, or the `.tmp` names earlier versions used */
export function isAssetLeftover(name: string): boolean {
  return isTempFile(name) || name.endsWith('.tmp');
}

/** the asset's row id, adding the row when it is new (call inside the write transaction) */
export function registerAsset(db: CatalogDb, a: AssetRef): number {
  const added = db
    .sql<unknown[], { id: number }>('INSERT INTO assets (hash, ext, bytes, width, height) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING RETURNING id')
    .get(a.hash, a.ext, a.bytes, a.width ?? null, a.height ?? null);
  return added?.id ?? db.sql<[string], { id: number }>('SELECT id FROM assets WHERE hash = ?').get(a.hash)!.id;
}
