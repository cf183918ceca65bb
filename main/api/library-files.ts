import { stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { assetFile, getAsset, thumbnail, thumbnailSide, type Library } from '../catalog/index';
import { contentType } from '../common/content-type';
import { resolveInside } from '../common/inside-root';

const HASH = /^[0-9a-f]{64}$/;

/** a library file to send (status 200, its headers) or why not: plain data every transport writes out */
export type LibraryFileAnswer =
  | { status: 200; file: string; headers: Record<string, string> }
  | { status: 400 | 404 | 405 | 409 | 500; message: string };

/**
 * What /files/asset/<sha256> and /files/thumb/<sha256>?size=N name in the open library: the
 * routes of browser mode (`r2r serve`) and of the desktop app's r2r-asset:// protocol alike.
 * Only a well-formed hash the catalog knows is served, so no URL can name a path; the file
 * must also really lie inside the library folder (no symlink out of it).
 */
export async function resolveLibraryFile(lib: Library | undefined, url: URL, method = 'GET'): Promise<LibraryFileAnswer> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, message: `${method} is not allowed` };
  const m = /^\/files\/(asset|thumb)\/([^/]+)$/.exec(url.pathname);
  if (!m) return { status: 404, message: 'not found' };
  if (!lib) return { status: 409, message: 'no library is open' };
  const hash = m[2]!;
  if (!HASH.test(hash)) return { status: 400, message: 'not an asset hash' };
  const asset = getAsset(lib, hash);
  if (!asset) return { status: 404, message: 'no such asset in this library' };
  let file: string;
  if (m[1] === 'asset') file = assetFile(lib, hash, asset.ext);
  else {
    const size = Number(url.searchParams.get('size') ?? 256);
    if (!Number.isFinite(size) || size <= 0 || size > 4096) return { status: 400, message: 'size must be 1..4096' };
    try {
      file = (await thumbnail(lib, hash, thumbnailSide(size))).file;
    } catch (err) {
      return { status: 500, message: `cannot make a thumbnail: ${(err as Error).message}` };
    }
  }
  const inside = await resolveInside(lib.root, relative(lib.root, file).split(sep).join('/'));
  const info = inside ? await stat(inside).catch(() => undefined) : undefined;
  if (!inside || !info?.isFile()) return { status: 404, message: 'the asset file is missing from the library folder' };
  return {
    status: 200,
    file: inside,
    // content is immutable per hash, so it may be cached for long
    headers: { 'content-type': contentType(inside), 'content-length': String(info.size), 'cache-control': 'private, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' },
  };
}
