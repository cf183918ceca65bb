import { protocol } from 'electron';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Library } from '../catalog/index';
import { resolveAppRequest } from './app-protocol';
import { resolveAssetRequest } from './asset-protocol';
import { APP_SCHEME, ASSET_SCHEME, PRIVILEGED_SCHEMES } from './security';

/** must run before the app is ready */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged(PRIVILEGED_SCHEMES.map((s) => ({ scheme: s.scheme, privileges: { ...s.privileges } })));
}

function fileResponse(file: string, method: string, headers: Record<string, string>): Response {
  const body = method === 'HEAD' ? null : (Readable.toWeb(createReadStream(file)) as ReadableStream);
  return new Response(body, { status: 200, headers });
}

/** serves the built UI and the open library's images (the backend's library) through the plain resolvers */
export function handleProtocols(opts: { rendererRoot: string; library: () => Library | undefined; csp: string; pageOrigin: string }): void {
  const security = { 'content-security-policy': opts.csp, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
  protocol.handle(APP_SCHEME, async (req) => {
    const a = await resolveAppRequest(req.url, opts.rendererRoot, req.method);
    if (a.status !== 200) return new Response(a.reason, { status: a.status, headers: security });
    return fileResponse(a.file, req.method, { ...security, 'content-type': a.type, 'content-length': String(a.size) });
  });
  protocol.handle(ASSET_SCHEME, async (req) => {
    const a = await resolveAssetRequest(req.url, opts.library(), req.method);
    if (a.status !== 200) return new Response(a.message, { status: a.status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } });
    // only the studio's page may read the pixels (its canvas tools do)
    return fileResponse(a.file, req.method, { ...a.headers, 'access-control-allow-origin': opts.pageOrigin, vary: 'origin' });
  });
}
