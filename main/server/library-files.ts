import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { assetFile, getAsset, thumbnail, thumbnailSide, type Library } from '../catalog/index';
import { contentType } from './static-files';

const HASH = /^[0-9a-f]{64}$/;

export type LibraryFileAnswer = { ok: true; file: string; contentType: string; size: number } | { ok: false; status: number; message: string };

/**
 * What /files/asset/<sha256> and /files/thumb/<sha256>?size=N name in the open library.
 * Only a well-formed hash the catalog knows is served, so no URL can name a path. Kept
 * apart from HTTP so the desktop app's protocol handler can answer the same URLs.
 */
export async function resolveLibraryFile(lib: Library | undefined, url: URL): Promise<LibraryFileAnswer> {
  const m = /^\/files\/(asset|thumb)\/([^/]+)$/.exec(url.pathname);
  if (!m) return { ok: false, status: 404, message: 'not found' };
  if (!lib) return { ok: false, status: 409, message: 'no library is open' };
  const hash = m[2]!;
  if (!HASH.test(hash)) return { ok: false, status: 400, message: 'not an asset hash' };
  const asset = getAsset(lib, hash);
  if (!asset) return { ok: false, status: 404, message: 'no such asset in this library' };
  let file: string;
  if (m[1] === 'asset') file = assetFile(lib, hash, asset.ext);
  else {
    const size = Number(url.searchParams.get('size') ?? 256);
    if (!Number.isFinite(size) || size <= 0 || size > 4096) return { ok: false, status: 400, message: 'size must be 1..4096' };
    try {
      file = (await thumbnail(lib, hash, thumbnailSide(size))).file;
    } catch (err) {
      return { ok: false, status: 500, message: `cannot make a thumbnail: ${(err as Error).message}` };
    }
  }
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return { ok: false, status: 404, message: 'the asset file is missing from the library folder' };
  return { ok: true, file, contentType: contentType(file), size: info.size };
}

/** the HTTP side: content is immutable per hash, so it may be cached for long */
export async function serveLibraryFile(lib: Library | undefined, url: URL, res: ServerResponse): Promise<void> {
  const a = await resolveLibraryFile(lib, url);
  if (!a.ok) {
    res.writeHead(a.status, { 'content-type': 'text/plain; charset=utf-8' }).end(a.message);
    return;
  }
  res.writeHead(200, { 'content-type': a.contentType, 'content-length': a.size, 'cache-control': 'private, max-age=31536000, immutable' });
  createReadStream(a.file).pipe(res);
}
