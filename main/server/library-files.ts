import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { assetFile, getAsset, thumbnail, thumbnailSide, type Library } from '../catalog/index';
import { contentType } from './static-files';

const HASH = /^[0-9a-f]{64}$/;

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
}

/**
 * GET /files/asset/<sha256> and /files/thumb/<sha256>?size=N: images of the open library.
 * Only a well-formed hash that the catalog knows is served, so no URL can name a path;
 * content is immutable per hash, so it may be cached for long.
 */
export async function serveLibraryFile(lib: Library | undefined, url: URL, res: ServerResponse): Promise<void> {
  const m = /^\/files\/(asset|thumb)\/([^/]+)$/.exec(url.pathname);
  if (!m) return fail(res, 404, 'not found');
  if (!lib) return fail(res, 409, 'no library is open');
  const hash = m[2]!;
  if (!HASH.test(hash)) return fail(res, 400, 'not an asset hash');
  const asset = getAsset(lib, hash);
  if (!asset) return fail(res, 404, 'no such asset in this library');
  let file: string;
  if (m[1] === 'asset') file = assetFile(lib, hash, asset.ext);
  else {
    const size = Number(url.searchParams.get('size') ?? 256);
    if (!Number.isFinite(size) || size <= 0 || size > 4096) return fail(res, 400, 'size must be 1..4096');
    try {
      file = (await thumbnail(lib, hash, thumbnailSide(size))).file;
    } catch (err) {
      return fail(res, 500, `cannot make a thumbnail: ${(err as Error).message}`);
    }
  }
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return fail(res, 404, 'the asset file is missing from the library folder');
  res.writeHead(200, {
    'content-type': contentType(file),
    'content-length': info.size,
    'cache-control': 'private, max-age=31536000, immutable',
  });
  createReadStream(file).pipe(res);
}
