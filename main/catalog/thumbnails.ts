import { lstatSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../common/atomic-write';
import { UserError } from '../common/errors';
import { assertWritableInside } from '../common/inside-root';
import { assetFile } from './library';
import type { Library } from './library';

export const THUMBNAILS_DIR = 'thumbnails';

/** thumbnails come in these longest-side sizes only, so the cache holds few variants per image */
export const THUMBNAIL_SIDES = [64, 128, 256, 512] as const;

/** the cache is trimmed back under this size, least recently used first */
export const THUMBNAIL_CACHE_BYTES = 512 * 2 ** 20;

// how many thumbnails a process makes between two trims of its cache
const TRIM_EVERY = 200;
let madeSinceTrim = 0;

export interface Thumbnail {
  /** absolute path of the cached WebP file */
  file: string;
  side: number;
  cached: boolean;
}

/** the smallest standard side at least `maxSide` long (the largest for anything bigger) */
export function thumbnailSide(maxSide: number): number {
  if (!Number.isFinite(maxSide) || maxSide <= 0) {
    throw new UserError('bad-thumbnail-size', `thumbnail size must be a positive number, got ${maxSide}`);
  }
  return THUMBNAIL_SIDES.find((s) => s >= maxSide) ?? THUMBNAIL_SIDES[THUMBNAIL_SIDES.length - 1]!;
}

const pending = new Map<string, Promise<Thumbnail>>();

/**
 * A WebP thumbnail of the asset `hash` that fits in `maxSide` (rounded up to a standard
 * side), made on first request and cached under thumbnails/ by hash and side. The cache
 * can be deleted at any time.
 */
export async function thumbnail(lib: Library, hash: string, maxSide: number): Promise<Thumbnail> {
  const side = thumbnailSide(maxSide);
  const file = join(lib.root, THUMBNAILS_DIR, hash.slice(0, 2), `${hash}-${side}.webp`);
  // only a real file inside thumbnails/ counts: a planted link is neither served nor touched
  if (isCachedThumbnail(lib, file)) {
    // the modification time doubles as "last used" for trimming
    const now = new Date();
    utimesSync(file, now, now);
    return { file, side, cached: true };
  }
  const source = assetFile(lib, hash);
  const key = file;
  let p = pending.get(key);
  if (!p) {
    p = make(source, file, side, join(lib.root, THUMBNAILS_DIR)).finally(() => pending.delete(key));
    if (++madeSinceTrim >= TRIM_EVERY) {
      madeSinceTrim = 0;
      void p.then(() => trimThumbnails(lib)).catch(() => undefined);
    }
    pending.set(key, p);
  }
  return p;
}

function isCachedThumbnail(lib: Library, file: string): boolean {
  try {
    if (!lstatSync(file).isFile()) return false;
    assertWritableInside(join(lib.root, THUMBNAILS_DIR), file);
    return true;
  } catch {
    return false;
  }
}

async function make(source: string, file: string, side: number, root: string): Promise<Thumbnail> {
  let webp: Buffer;
  try {
    webp = await sharp(source)
      .rotate()
      .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 82 })
      .toBuffer();
  } catch (err) {
    throw new UserError('thumbnail-failed', `cannot make a thumbnail of ${source}: ${(err as Error).message}`, 'The asset file may be damaged; re-import the image.', { cause: err });
  }
  writeFileAtomic(file, webp, { insideRoot: root });
  return { file, side, cached: false };
}

/**
 * Deletes the least recently used thumbnails until the cache holds at most `maxBytes`.
 * Returns how many files went.
 */
export function trimThumbnails(lib: Library, maxBytes = THUMBNAIL_CACHE_BYTES): number {
  const dir = join(lib.root, THUMBNAILS_DIR);
  let entries: Array<{ path: string; size: number; used: number }> = [];
  try {
    entries = (readdirSync(dir, { recursive: true }) as string[]).flatMap((rel) => {
      const path = join(dir, rel);
      try {
        const st = lstatSync(path);
        return st.isFile() ? [{ path, size: st.size, used: st.mtimeMs }] : [];
      } catch {
        return [];
      }
    });
  } catch {
    return 0;
  }
  let total = entries.reduce((n, e) => n + e.size, 0);
  entries.sort((a, b) => a.used - b.used);
  let removed = 0;
  for (const e of entries) {
    if (total <= maxBytes) break;
    rmSync(e.path, { force: true });
    total -= e.size;
    removed++;
  }
  return removed;
}
