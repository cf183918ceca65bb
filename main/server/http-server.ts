import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer } from 'ws';
import { channelOf } from '../../preload/api/contract';
import type { Backend } from '../api/index';
import { createDispatcher, toErrorPayload } from '../api/dispatcher';
import { UserError } from '../common/errors';
import { createAccessGate, type AccessGate } from './access-token';
import { statusForErrorCode } from './error-status';
import { serveLibraryFile } from './library-files';
import { checkFetchSite, checkHost, checkJsonContentType, checkOrigin, isLoopback, type Refusal } from './request-guard';
import { serveStatic } from './static-files';

export { isLoopback } from './request-guard';

export interface ServeOptions {
  host: string;
  port: number;
  /** the built renderer (out/renderer) */
  staticRoot: string;
  /** required on every request when set; mandatory for non-loopback hosts */
  token?: string;
  /** request bodies above this are refused (bytes) */
  maxBodyBytes?: number;
  /** the access gate (tests pass one with their own rate limiter); made from `token` otherwise */
  gate?: (port: number, token: string) => AccessGate;
}

export interface RunningServer {
  url: string;
  /** the address to open: with a one-time link code when the server needs a token */
  pageUrl: string;
  close(): Promise<void>;
}

// the page may only talk to its own origin; images may be data/blob urls from the canvas; the 3D
// renderer page runs in a frame of the same origin and fetches the blob URLs the studio hands it
export const BROWSER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' blob: ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'";

const API_ROUTE = /^\/api\/([a-zA-Z]+)\/([a-zA-Z]+)$/;

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () => new UserError('body-too-large', `the request body is over ${limit} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** the `args` of an API body `{ "args": [...] }` (the dispatcher checks them against the contract) */
export function parseApiBody(raw: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(raw || '{}');
  } catch (err) {
    throw new UserError('bad-json', `the request body is not JSON: ${(err as Error).message}`, 'Send { "args": [...] } with Content-Type: application/json.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UserError('bad-json', 'the request body must be a JSON object { "args": [...] }');
  }
  return (body as { args?: unknown }).args ?? [];
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }).end(text);
}

function sendRefusal(res: ServerResponse, r: Refusal, asJson: boolean): void {
  const headers = r.headers ?? {};
  if (asJson) return sendJson(res, r.status, { error: { code: r.code, message: r.message, ...(r.hint ? { hint: r.hint } : {}) } }, headers);
  const text = r.hint ? `${r.message}\n${r.hint}\n` : `${r.message}\n`;
  res.writeHead(r.status, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

/** a refused WebSocket upgrade still gets an HTTP answer, so clients can tell why */
function refuseUpgrade(socket: Socket, r: Refusal): void {
  const body = JSON.stringify({ error: { code: r.code, message: r.message } });
  const extra = Object.entries(r.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${r.status} ${STATUS_CODES[r.status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`);
}

const methodNotAllowed = (allow: string): Refusal => ({ status: 405, code: 'method-not-allowed', message: `only ${allow} is allowed here`, headers: { allow } });

/**
 * Browser mode: the same API as the desktop app over HTTP (POST /api/<service>/<method>)
 * and WebSocket events (/api/events), plus the built UI. Only the studio's page may use it:
 * see request-guard.ts for what is refused and why.
 */
export async function startServer(backend: Backend, opts: ServeOptions): Promise<RunningServer> {
  if (!isLoopback(opts.host) && !opts.token) {
    throw new Error(`binding to ${opts.host} exposes the studio to the network: an access token is required`);
  }
  const dispatch = createDispatcher(backend.api);
  const limit = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  const loopback = isLoopback(opts.host);
  let bound: { address: string; port: number } = { address: opts.host, port: opts.port };
  let gate: AccessGate | undefined;

  /** what every request must pass before its route: the Host, then for the API and files the page, then the token */
  const admission = (req: IncomingMessage, guarded: boolean): Refusal | null => {
    const host = loopback ? checkHost(req.headers.host, bound) : null;
    if (host || !guarded) return host;
    return checkOrigin(req.headers) ?? checkFetchSite(req.headers);
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const m = API_ROUTE.exec(url.pathname);
    if (!m) return sendRefusal(res, { status: 404, code: 'not-found', message: `no API route ${url.pathname}` }, true);
    if (req.method !== 'POST') return sendRefusal(res, methodNotAllowed('POST, OPTIONS'), true);
    const media = checkJsonContentType(req.headers['content-type']);
    if (media) return sendRefusal(res, media, true);
    try {
      const args = parseApiBody(await readBody(req, limit));
      const result = await dispatch(channelOf(m[1]!, m[2]!), args);
      sendJson(res, 200, { result: result ?? null });
    } catch (err) {
      const error = toErrorPayload(err);
      sendJson(res, statusForErrorCode(error.code), { error });
    }
  };

  /** the printed link: its code (or the token) becomes the session cookie, and the address bar forgets it */
  const redeemLink = (req: IncomingMessage, res: ServerResponse, url: URL, g: AccessGate): void => {
    const clean = new URL(url);
    clean.searchParams.delete('code');
    clean.searchParams.delete('token');
    const location = clean.pathname + clean.search + clean.hash;
    if (!g.authenticate(req)) {
      res.writeHead(303, { location, 'cache-control': 'no-store' }).end();
      return;
    }
    const answer = g.redeem(req, url.searchParams);
    if ('status' in answer) {
      const why = answer.status === 401 ? { message: 'this link is wrong or was used already (a one-time link works once)', hint: 'Restart `r2r serve` for a new link, or open <address>/?token=<token> once.' } : {};
      sendRefusal(res, { ...answer, ...why }, false);
      return;
    }
    res.writeHead(303, { location, 'set-cookie': answer.setCookie, 'cache-control': 'no-store' }).end();
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('content-security-policy', BROWSER_CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    const isApi = url.pathname.startsWith('/api/');
    const isFile = url.pathname.startsWith('/files/');
    const refused = admission(req, isApi || isFile);
    if (refused) return sendRefusal(res, refused, isApi);
    if (req.method === 'OPTIONS') {
      // no CORS grants: a preflight from another origin was refused above, and this one grants nothing
      res.writeHead(204, { allow: isApi ? 'POST, OPTIONS' : 'GET, HEAD, OPTIONS' }).end();
      return;
    }
    if (gate && (isApi || isFile)) {
      const denied = gate.authenticate(req);
      if (denied) return sendRefusal(res, denied, isApi);
    }
    if (isApi) return handleApi(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendRefusal(res, methodNotAllowed('GET, HEAD, OPTIONS'), false);
    if (isFile) return serveLibraryFile(backend.library.current, url, res, req.method);
    if (gate && (url.searchParams.has('code') || url.searchParams.has('token'))) return redeemLink(req, res, url, gate);
    await serveStatic(opts.staticRoot, url.pathname, res);
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket: Socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refused =
      url.pathname !== '/api/events' ? { status: 404, code: 'not-found', message: `no WebSocket at ${url.pathname}` } : (admission(req, true) ?? gate?.authenticate(req) ?? null);
    if (refused) return refuseUpgrade(socket, refused);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const unsubscribe = backend.events.subscribe((event) => ws.send(JSON.stringify(event)));
      ws.on('close', unsubscribe);
    });
  });

  const token = opts.token;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      // before the first connection is handled: the gate needs the port for its cookie's name
      const { address, port } = server.address() as AddressInfo;
      bound = { address, port };
      if (token) gate = (opts.gate ?? ((p, t) => createAccessGate({ port: p, token: t })))(port, token);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}`;
  return {
    url,
    pageUrl: gate ? `${url}/?code=${gate.issueLinkCode()}` : `${url}/`,
    close: () =>
      new Promise<void>((done) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
