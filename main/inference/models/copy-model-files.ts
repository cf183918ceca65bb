import { constants, copyFileSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../common/errors';
import { assertWritableInside } from '../../common/inside-root';

export interface CopyModelFilesOptions {
  /** whether a source path (lexical, as found under `src`) is copied */
  filter: (from: string) => boolean;
  /** the folder every write must stay inside (the cache, or the adapted copy's own folder) */
  root: string;
}

/**
 * Copies a model folder's files into `dst` with every symbolic link followed: a linked
 * component folder becomes a real folder and a linked file (the Hugging Face cache keeps
 * each file as a link into blobs/) becomes a real copy, so nothing written into `dst` later
 * can reach the user's originals. A folder linked back into itself is refused.
 */
export function copyModelFiles(src: string, dst: string, opts: CopyModelFilesOptions): void {
  copyFolder(src, dst, opts, new Set());
}

function copyFolder(from: string, to: string, opts: CopyModelFilesOptions, ancestors: Set<string>): void {
  const real = realpathSync(from);
  if (ancestors.has(real)) {
    throw new UserError('model-folder-loop', `${from} links back to ${real}, a folder it is inside`, 'Remove the symbolic link that makes the model folder contain itself.');
  }
  if (resolve(to) !== resolve(opts.root)) assertWritableInside(opts.root, to);
  mkdirSync(to, { recursive: true });
  const inside = new Set(ancestors).add(real);
  for (const name of readdirSync(from).sort()) {
    const source = join(from, name);
    if (!opts.filter(source)) continue;
    const target = join(to, name);
    let st;
    try {
      st = statSync(source);
    } catch {
      throw new UserError('model-file-missing', `${source} is a symbolic link to a file that does not exist`, 'Fix or remove the link in the model folder (a partly downloaded Hugging Face cache leaves these).');
    }
    if (st.isDirectory()) copyFolder(source, target, opts, inside);
    else if (st.isFile()) {
      assertWritableInside(opts.root, target);
      // a clone where the file system offers it (same bytes, no shared writes), a copy otherwise
      copyFileSync(source, target, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
    }
  }
}
