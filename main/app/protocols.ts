import { protocol } from 'electron';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { resolveAppRequest } from './app-protocol';
import { resolveAssetRequest } from './asset-protocol';
import { APP_SCHEME, ASSET_SCHEME, PRIVILEGED_SCHEMES } from './security';

/** must run before the app is ready */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged(PRIVILEGED_SCHEMES.map((s) => ({ scheme: s.scheme, privileges: { ...s.privileges } })));
}

function fileResponse(file: string, type: string, size: number, method: string, headers: Record<string, string>): Response {
  const body = method === 'HEAD' ? null : (Readable.toWeb(createReadStream(file)) as ReadableStream);
  return new Response(body, { status: 200, headers: { ...headers, 'content-type': type, 'content-length': String(size) } });
}

/** serves the built UI and the open library's images through the plain path checks */
export function handleProtocols(opts: { rendererRoot: string; libraryRoot: () => string | undefined; csp: string }): void {
  const security = { 'content-security-policy': opts.csp, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
  protocol.handle(APP_SCHEME, async (req) => {
    const a = await resolveAppRequest(req.url, opts.rendererRoot, req.method);
    if (a.status !== 200) return new Response(a.reason, { status: a.status, headers: security });
    return fileResponse(a.file, a.type, a.size, req.method, security);
  });
  protocol.handle(ASSET_SCHEME, async (req) => {
    const a = await resolveAssetRequest(req.url, opts.libraryRoot(), req.method);
    if (a.status !== 200) return new Response(a.reason, { status: a.status, headers: { 'x-content-type-options': 'nosniff' } });
    return fileResponse(a.file, a.type, a.size, req.method, { 'x-content-type-options': 'nosniff', 'cache-control': 'private, max-age=60' });
  });
}
