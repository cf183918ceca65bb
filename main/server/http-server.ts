import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { channelOf } from '../../preload/api/contract';
import type { Backend } from '../api/index';
import { createDispatcher, toErrorPayload } from '../api/dispatcher';
import { serveLibraryFile } from './library-files';
import { serveStatic } from './static-files';

export interface ServeOptions {
  host: string;
  port: number;
  /** the built renderer (out/renderer) */
  staticRoot: string;
  /** required on every request when set; mandatory for non-loopback hosts */
  token?: string;
  /** request bodies above this are refused (bytes) */
  maxBodyBytes?: number;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

// the page may only talk to its own origin; images may be data/blob urls from the canvas
export const BROWSER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function requestToken(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  return url.searchParams.get('token');
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error(`request body over ${limit} bytes`), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

/**
 * Browser mode: the same API as the desktop app over HTTP (POST /api/<service>/<method>)
 * and WebSocket events (/api/events), plus the built UI.
 */
export async function startServer(backend: Backend, opts: ServeOptions): Promise<RunningServer> {
  if (!isLoopback(opts.host) && !opts.token) {
    throw new Error(`binding to ${opts.host} exposes the studio to the network: an access token is required`);
  }
  const dispatch = createDispatcher(backend.api);
  const limit = opts.maxBodyBytes ?? 64 * 1024 * 1024;

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('content-security-policy', BROWSER_CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    if (url.pathname.startsWith('/api/')) {
      if (opts.token && !tokenMatches(opts.token, requestToken(req, url))) {
        sendJson(res, 401, { error: { code: 'unauthorized', message: 'missing or wrong access token', hint: 'Open the URL that `r2r serve` printed (it carries the token).' } });
        return;
      }
      const m = /^\/api\/([a-zA-Z]+)\/([a-zA-Z]+)$/.exec(url.pathname);
      if (!m || req.method !== 'POST') {
        sendJson(res, 404, { error: { code: 'not-found', message: `no API route ${req.method} ${url.pathname}` } });
        return;
      }
      try {
        const raw = await readBody(req, limit);
        const body = JSON.parse(raw || '{}') as { args?: unknown };
        const result = await dispatch(channelOf(m[1]!, m[2]!), body.args ?? []);
        sendJson(res, 200, { result: result ?? null });
      } catch (err) {
        const status = (err as { status?: number }).status ?? (err instanceof SyntaxError ? 400 : 200);
        sendJson(res, status, { error: toErrorPayload(err) });
      }
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (url.pathname.startsWith('/files/')) {
      // library images are the user's data: the same token as the API guards them
      if (opts.token && !tokenMatches(opts.token, requestToken(req, url))) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('missing or wrong access token');
        return;
      }
      await serveLibraryFile(backend.library.current, url, res, req.method);
      return;
    }
    await serveStatic(opts.staticRoot, url.pathname, res);
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/events' || (opts.token && !tokenMatches(opts.token, requestToken(req, url)))) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const unsubscribe = backend.events.subscribe((event) => ws.send(JSON.stringify(event)));
      ws.on('close', unsubscribe);
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    close: () =>
      new Promise<void>((done) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
