import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-write';

/** the memo's file name inside the cache folder */
export const HASH_MEMO_FILE = 'file-hashes.json';
const MEMO_VERSION = 1;
const CHUNK = 4 << 20;

interface Stamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

interface MemoEntry extends Stamp {
  sha256: string;
}

function stampOf(s: Stats): Stamp {
  return { size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino, dev: s.dev };
}

function sameStamp(a: Stamp, b: Stamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.dev === b.dev;
}

/** the SHA-256 of a file's bytes, read in 4 MiB chunks so a multi-GB UNet never sits in memory */
export function sha256File(path: string): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/**
 * SHA-256 of files, each hashed once and then reused while its path, size, modification
 * time, change time and inode stay the same (ctime too: it cannot be set back, so an edit
 * that restores the mtime is still seen). With a cache folder the memo persists there,
 * written atomically; a lost or foreign memo file only costs a re-hash.
 */
export class FileHashMemo {
  /** how many files were read and hashed (not answered from the memo) */
  hashed = 0;
  private readonly entries = new Map<string, MemoEntry>();
  private changed = false;

  private constructor(private readonly cacheDir: string | undefined) {}

  /** a memo that lives only as long as this object */
  static inMemory(): FileHashMemo {
    return new FileHashMemo(undefined);
  }

  /** the memo kept in `cacheDir` (read now, written by save()) */
  static open(cacheDir: string): FileHashMemo {
    const memo = new FileHashMemo(cacheDir);
    const file = join(cacheDir, HASH_MEMO_FILE);
    if (!existsSync(file)) return memo;
    try {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { version?: number; files?: Record<string, MemoEntry> };
      if (doc.version !== MEMO_VERSION || typeof doc.files !== 'object' || doc.files === null) return memo;
      for (const [path, e] of Object.entries(doc.files)) if (typeof e?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256)) memo.entries.set(path, e);
    } catch {
      // unreadable: start empty, the next save replaces it
    }
    return memo;
  }

  get size(): number {
    return this.entries.size;
  }

  /** the file's SHA-256 (symbolic links followed), from the memo while its stat is unchanged */
  sha256(path: string): string {
    const key = resolve(path);
    const before = stampOf(statSync(path));
    const known = this.entries.get(key);
    if (known && sameStamp(known, before)) return known.sha256;
    const sha256 = sha256File(path);
    this.hashed++;
    // a file that changed while it was read is hashed again next time rather than remembered wrongly
    if (sameStamp(before, stampOf(statSync(path)))) {
      this.entries.set(key, { ...before, sha256 });
      this.changed = true;
    } else if (known) {
      this.entries.delete(key);
      this.changed = true;
    }
    return sha256;
  }

  /** writes the memo into the cache folder when it changed, dropping files that are gone */
  save(): void {
    if (!this.cacheDir || !this.changed) return;
    const files: Record<string, MemoEntry> = {};
    for (const [path, e] of this.entries) if (existsSync(path)) files[path] = e;
    writeFileAtomic(join(this.cacheDir, HASH_MEMO_FILE), JSON.stringify({ version: MEMO_VERSION, files }) + '\n', { durable: false, insideRoot: this.cacheDir });
    this.changed = false;
  }
}
