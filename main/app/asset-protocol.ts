import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { resolveInside } from '../common/inside-root';
import { ASSET_SCHEME } from './security';

/** only images are served from a library: never its database or anything else in the folder */
const ASSET_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

export type AssetAnswer = { status: 200; file: string; type: string; size: number } | { status: 400 | 403 | 404 | 405; reason: string; file?: never };

/**
 * `r2r-asset://library/<path inside the open library>` to a file, or the reason it is refused:
 * other hosts, `..`, encoded separators, symlinks leading out of the library, non-images.
 */
export async function resolveAssetRequest(url: string, libraryRoot: string | undefined, method = 'GET'): Promise<AssetAnswer> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, reason: `${method} is not allowed` };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { status: 400, reason: 'not a URL' };
  }
  if (parsed.protocol !== `${ASSET_SCHEME}:` || parsed.host !== 'library') return { status: 400, reason: `not an ${ASSET_SCHEME}://library/ URL` };
  if (parsed.username || parsed.password || parsed.port) return { status: 400, reason: 'unexpected credentials or port' };
  if (!libraryRoot) return { status: 404, reason: 'no library is open' };
  const type = ASSET_TYPES[extname(decodeSafe(parsed.pathname)).toLowerCase()];
  if (!type) return { status: 403, reason: 'only image files are served' };
  // escaping and missing look the same from outside: no oracle for files beyond the library
  const file = await resolveInside(libraryRoot, parsed.pathname);
  const info = file ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !info?.isFile()) return { status: 404, reason: 'no such file in the open library' };
  return { status: 200, file, type, size: info.size };
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** the URL the renderer uses for a file given relative to the library root */
export function assetUrl(relativePath: string): string {
  return `${ASSET_SCHEME}://library/` + relativePath.split(/[\\/]/).filter(Boolean).map(encodeURIComponent).join('/');
}
