import type { Library } from '../catalog/index';
import { resolveLibraryFile, type LibraryFileAnswer } from '../api/library-files';
import { ASSET_ORIGIN } from './security';

/**
 * `r2r-asset://library/files/asset/<hash>` and `.../files/thumb/<hash>?size=N`: the desktop
 * app's way to the open library's images, answered by the same resolver as browser mode's
 * /files/ routes. Anything but that origin (another host, credentials, a port) is refused first.
 */
export async function resolveAssetRequest(url: string, lib: Library | undefined, method = 'GET'): Promise<LibraryFileAnswer> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { status: 400, message: 'not a URL' };
  }
  // custom schemes have an opaque origin in Node's URL: compare scheme and host
  if (`${parsed.protocol}//${parsed.host}` !== ASSET_ORIGIN || parsed.username || parsed.password || parsed.port) return { status: 400, message: `not an ${ASSET_ORIGIN}/ URL` };
  return resolveLibraryFile(lib, parsed, method);
}
