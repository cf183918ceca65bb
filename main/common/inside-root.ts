import { realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

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
  if (candidate !== rootReal && !candidate.startsWith(rootReal + sep)) return undefined;
  const real = await realpath(candidate).catch(() => undefined);
  if (!real || (real !== rootReal && !real.startsWith(rootReal + sep))) return undefined;
  return real;
}
