import { lstatSync, realpathSync, type Stats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { UserError } from './errors';

/**
 * Resolves a URL path inside `root`, or undefined when it escapes it (`..`, encoded
 * separators, symlinks pointing outside). The one check used for every file we serve:
 * the browser-mode UI (main/server) and the desktop app's asset protocol (main/app).
 */
export async function resolveInside(root: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  // a separator that arrived encoded (%2F, %5C) is a name trick, never a real folder step
  if (/%2f|%5c/i.test(urlPath)) return undefined;
  if (sep === '/' && decoded.includes('\\')) return undefined;
  const rootReal = await realpath(root).catch(() => undefined);
  if (!rootReal) return undefined;
  const candidate = resolve(rootReal, '.' + sep + decoded.replace(/^\/+/, ''));
  if (!isWithin(rootReal, candidate)) return undefined;
  const real = await realpath(candidate).catch(() => undefined);
  if (!real || !isWithin(rootReal, real)) return undefined;
  return real;
}

/** whether `path` is `root` or below it (both absolute, already resolved) */
function isWithin(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function refuse(path: string, root: string, why: string, throughLink = true): never {
  throw new UserError(
    'write-outside-folder',
    `refusing to write ${path}: ${why}; R2R Studio writes only inside ${root}`,
    throughLink
      ? 'A symbolic link there points somewhere else (another model, a user folder). Remove the link or choose another folder; the files it points to were not touched.'
      : `Choose a name inside ${root}.`,
  );
}

/**
 * The check every writer makes before it creates or replaces `path`: the path, resolved,
 * lies below `root`, and so does the real path (symlinks followed) of the nearest folder on
 * the way that exists, so folders still to be made are made inside `root`; `path` itself is
 * not a symlink (a write must never go through one). Throws UserError 'write-outside-folder'.
 * `root` must exist.
 */
export function assertWritableInside(root: string, path: string): void {
  const rootAbs = resolve(root);
  const target = resolve(path);
  if (target === rootAbs || !isWithin(rootAbs, target)) refuse(path, root, 'it is not inside that folder', false);
  let rootReal: string;
  try {
    rootReal = realpathSync(rootAbs);
  } catch {
    throw new UserError('not-found', `${root} does not exist`, 'Create the folder first.');
  }
  // a dangling link counts as there: following it would create its target
  let folder = dirname(target);
  while (folder !== rootAbs && !lstatOrUndefined(folder)) folder = dirname(folder);
  const folderReal = safeRealpath(folder);
  if (folderReal === undefined || !isWithin(rootReal, folderReal)) refuse(path, root, `${folder} leads to ${folderReal ?? 'a missing place'}`);
  if (lstatOrUndefined(target)?.isSymbolicLink()) refuse(path, root, `it is a symbolic link (to ${safeRealpath(target) ?? 'a missing file'})`);
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function safeRealpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}
