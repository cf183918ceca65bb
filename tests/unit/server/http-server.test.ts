// The server's answers at the HTTP level: statuses, OPTIONS, the guards in front of every route,
// and the HTTP transport turning error bodies into the same ApiError the IPC transport gives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { ApiError, createApiClient } from '../../../preload/api/client';
import { channelOf, type ApiEvent } from '../../../preload/api/contract';
import { createHttpTransport, type WebSocketConstructor } from '../../../preload/transport/http';
import { createBackend, type Backend } from '../../../main/api/index';
import { createAccessGate } from '../../../main/server/access-token';
import { createFailureLimiter } from '../../../main/server/failure-limiter';
import { parseApiBody, startServer, type RunningServer } from '../../../main/server/http-server';

const dir = mkdtempSync(join(tmpdir(), 'r2r-http-server-'));
process.env.R2R_CONFIG_DIR = join(dir, 'config');
const ui = join(dir, 'ui');
mkdirSync(ui, { recursive: true });
writeFileSync(join(ui, 'index.html'), '<!doctype html><title>studio</title>');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const post = (url: string, body: string, headers: Record<string, string> = {}) => send(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const errorOf = (a: Answer) => (JSON.parse(a.body) as { error: { code: string; message: string; hint?: string } }).error;

function upgrade(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((done) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => (socket.close(), done('open')));
    socket.on('unexpected-response', (_req, res) => done(String(res.statusCode)));
    socket.on('error', (e) => done(`error ${e.message}`));
  });
}

let backend: Backend;
let open: RunningServer;
let guarded: RunningServer;
const token = 'unit-token';

beforeAll(async () => {
  backend = createBackend();
  open = await startServer(backend, { host: '127.0.0.1', port: 0, staticRoot: ui, maxBodyBytes: 1024 });
  guarded = await startServer(backend, {
    host: '127.0.0.1',
    port: 0,
    staticRoot: ui,
    token,
    gate: (port, t) => createAccessGate({ port, token: t, limiter: createFailureLimiter({ max: 3, windowMs: 60_000 }) }),
  });
});

afterAll(async () => {
  await open?.close();
  await guarded?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('API statuses', () => {
  it('answers 200 with the result', async () => {
    const a = await post(`${open.url}/api/library/current`, '{"args":[]}');
    expect([a.status, JSON.parse(a.body)]).toEqual([200, { result: null }]);
  });

  it('gives malformed JSON and non-object bodies 400 bad-json, not internal', async () => {
    for (const body of ['{"args":[', 'not json', '[1,2]', 'null', '"text"']) {
      const a = await post(`${open.url}/api/library/recent`, body);
      expect([a.status, errorOf(a).code], body).toEqual([400, 'bad-json']);
    }
  });

  it('gives bad arguments 400, unknown things 404, conflicts 409 and wrong methods 405', async () => {
    const bad = await post(`${open.url}/api/jobs/get`, '{"args":[42]}');
    expect([bad.status, errorOf(bad).code]).toEqual([400, 'invalid-arguments']);
    const job = await post(`${open.url}/api/jobs/get`, '{"args":["no-such-job"]}');
    expect([job.status, errorOf(job)]).toEqual([404, { code: 'job-not-found', message: 'there is no job no-such-job', hint: 'It may have ended long ago; list the jobs to see those kept.' }]);
    const method = await post(`${open.url}/api/library/nothing`, '{"args":[]}');
    expect([method.status, errorOf(method).code]).toEqual([404, 'unknown-method']);
    const route = await post(`${open.url}/api/too/many/parts`, '{"args":[]}');
    expect([route.status, errorOf(route).code]).toEqual([404, 'not-found']);
    const lib = join(dir, 'made-once');
    expect((await post(`${open.url}/api/library/create`, JSON.stringify({ args: [lib] }))).status).toBe(200);
    const again = await post(`${open.url}/api/library/create`, JSON.stringify({ args: [lib] }));
    expect([again.status, errorOf(again).code]).toEqual([409, 'library-exists']);
    const get = await send(`${open.url}/api/library/current`);
    expect([get.status, get.headers.allow, errorOf(get).code]).toEqual([405, 'POST, OPTIONS', 'method-not-allowed']);
  });

  it('gives an over-long body 413 and a non-JSON body type 415, before reading them', async () => {
    const big = await post(`${open.url}/api/library/recent`, JSON.stringify({ args: [], pad: 'x'.repeat(2000) }));
    expect([big.status, errorOf(big).code]).toEqual([413, 'body-too-large']);
    const plain = await send(`${open.url}/api/library/recent`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"args":[]}' });
    expect([plain.status, errorOf(plain).code]).toEqual([415, 'unsupported-media-type']);
  });

  it('gives a failure of ours 500 internal with the body format unchanged', async () => {
    const failing = { ...backend, api: { ...backend.api, app: { ...backend.api.app, info: () => Promise.reject(new Error('disk on fire')) } } } as Backend;
    const s = await startServer(failing, { host: '127.0.0.1', port: 0, staticRoot: ui });
    try {
      const a = await post(`${s.url}/api/app/info`, '{"args":[]}');
      expect([a.status, JSON.parse(a.body)]).toEqual([500, { error: { code: 'internal', message: 'disk on fire' } }]);
    } finally {
      await s.close();
    }
  });

  it('parses the body of an API call into its args', () => {
    expect(parseApiBody('{"args":[1,"a"]}')).toEqual([1, 'a']);
    expect(parseApiBody('')).toEqual([]);
    expect(parseApiBody('{}')).toEqual([]);
  });
});

describe('OPTIONS', () => {
  it('is 204 with Allow and grants no CORS', async () => {
    const api = await send(`${open.url}/api/library/create`, { method: 'OPTIONS' });
    expect([api.status, api.headers.allow]).toEqual([204, 'POST, OPTIONS']);
    const page = await send(`${open.url}/`, { method: 'OPTIONS' });
    expect([page.status, page.headers.allow]).toEqual([204, 'GET, HEAD, OPTIONS']);
    const preflight = await send(`${open.url}/api/library/create`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.status).toBe(403);
    for (const a of [api, page, preflight]) expect(Object.keys(a.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });
});

describe('guards in front of every route', () => {
  it('refuses a foreign Host on the page, the API, the files and the events', async () => {
    const host = { host: 'rebind.evil.example:' + new URL(open.url).port };
    expect((await send(`${open.url}/`, { headers: host })).status).toBe(403);
    const api = await post(`${open.url}/api/library/recent`, '{"args":[]}', host);
    expect([api.status, errorOf(api).code]).toEqual([403, 'forbidden-host']);
    expect((await send(`${open.url}/files/asset/${'0'.repeat(64)}`, { headers: host })).status).toBe(403);
    expect(await upgrade(`${open.url.replace('http', 'ws')}/api/events`, host)).toBe('403');
    // and answers to its own names
    for (const name of ['localhost', '127.0.0.1', '[::1]']) expect((await send(`${open.url}/`, { headers: { host: `${name}:${new URL(open.url).port}` } })).status, name).toBe(200);
  });

  it('refuses a foreign Origin on the API, the files and the events; the own origin passes', async () => {
    const evil = { origin: 'http://127.0.0.1:1' };
    const api = await post(`${open.url}/api/library/recent`, '{"args":[]}', evil);
    expect([api.status, errorOf(api).code]).toEqual([403, 'forbidden-origin']);
    expect((await send(`${open.url}/files/asset/${'0'.repeat(64)}`, { headers: evil })).status).toBe(403);
    expect((await send(`${open.url}/files/asset/${'0'.repeat(64)}`, { headers: { 'sec-fetch-site': 'same-site' } })).status).toBe(403);
    expect(await upgrade(`${open.url.replace('http', 'ws')}/api/events`, evil)).toBe('403');
    expect(await upgrade(`${open.url.replace('http', 'ws')}/api/other`)).toBe('404');
    expect((await post(`${open.url}/api/library/recent`, '{"args":[]}', { origin: open.url })).status).toBe(200);
    expect(await upgrade(`${open.url.replace('http', 'ws')}/api/events`, { origin: open.url })).toBe('open');
  });
});

describe('remote mode: the token', () => {
  it('prints a page URL with a one-time code that becomes a cookie and leaves the URL', async () => {
    const page = new URL(guarded.pageUrl);
    expect(page.searchParams.get('code')).toBeTruthy();
    const first = await send(guarded.pageUrl);
    expect([first.status, first.headers.location]).toEqual([303, '/']);
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(String(first.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict; Path=\//);
    expect((await post(`${guarded.url}/api/library/recent`, '{"args":[]}', { cookie })).status).toBe(200);
    expect(await upgrade(`${guarded.url.replace('http', 'ws')}/api/events`, { cookie })).toBe('open');
    // a second use of the code is refused, unless the browser already holds the cookie
    expect((await send(guarded.pageUrl)).status).toBe(401);
    expect((await send(guarded.pageUrl, { headers: { cookie } })).status).toBe(303);
  });

  it('refuses the token in a query string, takes it as a Bearer header, and brakes guessing', async () => {
    const bearer = { authorization: `Bearer ${token}` };
    expect((await post(`${guarded.url}/api/library/recent?token=${token}`, '{"args":[]}')).status).toBe(401);
    expect((await send(`${guarded.url}/files/asset/${'0'.repeat(64)}?token=${token}`)).status).toBe(401);
    expect(await upgrade(`${guarded.url.replace('http', 'ws')}/api/events?token=${token}`)).toBe('401');
    expect((await post(`${guarded.url}/api/library/recent`, '{"args":[]}', bearer)).status).toBe(200);
  });

  it('answers 429 with Retry-After after 3 wrong tokens from one address, to the API and the events', async () => {
    const s = await startServer(backend, { host: '127.0.0.1', port: 0, staticRoot: ui, token, gate: (port, t) => createAccessGate({ port, token: t, limiter: createFailureLimiter({ max: 3, windowMs: 60_000 }) }) });
    try {
      const bearer = { authorization: `Bearer ${token}` };
      for (let i = 0; i < 3; i++) expect((await post(`${s.url}/api/library/recent`, '{"args":[]}', { authorization: `Bearer guess${i}` })).status).toBe(401);
      const limited = await post(`${s.url}/api/library/recent`, '{"args":[]}', bearer);
      expect([limited.status, errorOf(limited).code]).toEqual([429, 'too-many-attempts']);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(59);
      expect(await upgrade(`${s.url.replace('http', 'ws')}/api/events`, bearer)).toBe('429');
    } finally {
      await s.close();
    }
  });
});

describe('the HTTP transport', () => {
  it('rethrows error bodies of any status as the ApiError the other transports give', async () => {
    const api = createApiClient(createHttpTransport(open.url, undefined, { WebSocket: WebSocket as unknown as WebSocketConstructor }));
    const err = await api.jobs.get('no-such-job').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect({ code: (err as ApiError).code, hint: (err as ApiError).hint }).toEqual({ code: 'job-not-found', hint: 'It may have ended long ago; list the jobs to see those kept.' });
  });

  it('names the status when a failure has no error body', async () => {
    const transport = createHttpTransport(`${open.url}/nowhere`);
    const err = (await transport.invoke(channelOf('library', 'current'), []).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('bad-response');
    expect(err.message).toMatch(/HTTP 40\d/);
  });

  it('sends a token as a header to the API and the event stream, never in a URL', async () => {
    const fresh = await startServer(backend, { host: '127.0.0.1', port: 0, staticRoot: ui, token: 'header-only' });
    try {
      const transport = createHttpTransport(fresh.url, 'header-only', { WebSocket: WebSocket as unknown as WebSocketConstructor });
      const api = createApiClient(transport);
      expect(Array.isArray(await api.library.recent())).toBe(true);
      const events: ApiEvent[] = [];
      const stop = transport.subscribe((e) => events.push(e));
      const deadline = Date.now() + 5000;
      await new Promise((r) => setTimeout(r, 200));
      await api.jobs.submit('probe-providers', {});
      while (!events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      stop();
      expect(events[0]?.type).toMatch(/^job\./);
    } finally {
      await fresh.close();
    }
  });
});
