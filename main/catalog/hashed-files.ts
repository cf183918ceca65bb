import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-write';
import { sha256 } from './assets';

/** a file stored under the sha-256 of its bytes */
export interface HashedFileRef {
  hash: string;
  bytes: number;
}

/** `<dir>/ab/cdef....<ext>`, relative to the library folder */
export function hashedRelativePath(dir: string, hash: string, ext: string): string {
  return `${dir}/${hash.slice(0, 2)}/${hash.slice(2)}.${ext}`;
}

/** stores bytes under `<dir>/` by their hash unless already there; whole or not at all */
export function writeHashedFile(root: string, dir: string, ext: string, data: Uint8Array): HashedFileRef {
  const hash = sha256(data);
  const file = join(root, hashedRelativePath(dir, hash, ext));
  try {
    const st = lstatSync(file);
    if (st.isFile() && st.size === data.length) return { hash, bytes: data.length };
  } catch {
    // not stored yet
  }
  writeFileAtomic(file, data, { insideRoot: join(root, dir) });
  return { hash, bytes: data.length };
}
