import { stat } from 'node:fs/promises';
import { resolveInside } from '../common/inside-root';
import { contentType } from '../common/content-type';
import { APP_ORIGIN } from './security';

export type AppFileAnswer = { status: 200; file: string; type: string; size: number } | { status: 400 | 404 | 405; reason: string };

/** `r2r-app://studio/<file>` to a file of the built renderer (index.html for `/`) */
export async function resolveAppRequest(url: string, rendererRoot: string, method = 'GET'): Promise<AppFileAnswer> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, reason: `${method} is not allowed` };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { status: 400, reason: 'not a URL' };
  }
  if (`${parsed.protocol}//${parsed.host}` !== APP_ORIGIN || parsed.username || parsed.password) return { status: 400, reason: `not a ${APP_ORIGIN}/ URL` };
  const file = await resolveInside(rendererRoot, parsed.pathname === '/' ? '/index.html' : parsed.pathname);
  const info = file ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !info?.isFile()) return { status: 404, reason: 'not part of the studio UI' };
  return { status: 200, file, type: contentType(file), size: info.size };
}

export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;
