import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { assertWritableInside } from './inside-root';

const TEMP_SUFFIX = '.r2r-tmp';

function fsyncDir(dir: string): void {
  // a directory fsync makes the rename durable; Windows cannot open directories, where the rename is enough
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface AtomicWriteOptions {
  /** fsync the file and its folder, so the new file also survives a power cut (default true; caches skip it) */
  durable?: boolean;
  /** create missing folders (default true) */
  makeFolders?: boolean;
  /**
   * the folder this write must stay inside (a cache, a library, an export's out folder):
   * checked before any folder is made and again before the rename, so a symbolic link
   * planted on the way never carries the write outside, and the target is never a link
   */
  insideRoot?: string;
  /** permission bits of the new file (default 0o666 less the umask); 0o600 for files holding secrets */
  mode?: number;
}

/**
 * Writes `data` to `path` so that readers (and a process killed at any instant) see either
 * the old file or the whole new one: a temporary file in the same folder, fsync, rename,
 * fsync of the folder. The temporary name is short so long target names still fit.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
  const durable = opts.durable ?? true;
  const dir = dirname(path);
  const root = opts.insideRoot;
  if (root !== undefined) {
    if (opts.makeFolders ?? true) mkdirSync(root, { recursive: true });
    assertWritableInside(root, path);
  }
  if (opts.makeFolders ?? true) mkdirSync(dir, { recursive: true });
  const tag = createHash('sha1').update(basename(path)).digest('hex').slice(0, 12);
  const tmp = join(dir, `.${tag}.${process.pid}.${Math.random().toString(36).slice(2, 8)}${TEMP_SUFFIX}`);
  // 'wx': a name someone planted (a link) is refused rather than written through
  const fd = openSync(tmp, 'wx', opts.mode ?? 0o666);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let at = 0;
    while (at < buf.length) at += writeSync(fd, buf, at, buf.length - at);
    if (durable) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    if (root !== undefined) assertWritableInside(root, path);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  if (durable) fsyncDir(dir);
}

/** removes temporary files a killed writer left in `dir` and its subfolders; returns how many */
export function removeStaleTemps(dir: string): number {
  let removed = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) removed += removeStaleTemps(p);
    else if (e.name.endsWith(TEMP_SUFFIX)) {
      rmSync(p, { force: true });
      removed++;
    }
  }
  return removed;
}

export function isTempFile(name: string): boolean {
  return name.endsWith(TEMP_SUFFIX);
}
