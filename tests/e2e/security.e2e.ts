// Browser mode talks to the studio page and nothing else: a page of another origin, a
// rebinding Host and a stolen one-time link get nowhere, and the studio itself still works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Browser, Page } from 'playwright-core';
import { WebSocket as NodeWebSocket } from 'ws';
import { runCli } from '../../main/cli/index';
import { artifactPath, launchBrowser, startServe, type Served } from './support';

async function sampleLibrary(folder: string): Promise<void> {
  const code = await runCli(['sample-library', folder, '--garments', '2', '--width', '96', '--height', '120', '--json'], { stdout: new PassThrough(), stderr: new PassThrough() });
  expect(code).toBe(0);
}

/** a tiny site on another loopback port: the attacker's page */
async function startAttackerSite(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>evil</title><body>hello</body>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

/** a raw request from Node (it may set any Host or Origin, as curl and rebinding pages do) */
function rawRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** the studio's own view of which library is open, asked as a same-machine client */
async function openLibraryRoot(origin: string, auth?: string): Promise<string | null> {
  const r = await fetch(`${origin}/api/library/current`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: '{"args":[]}' });
  const body = (await r.json()) as { result: { root: string } | null };
  return body.result?.root ?? null;
}

/** in the attacker's page: every way a page can reach another origin's server without its consent */
async function attack(page: Page, studioOrigin: string, targets: { json: string; plain: string; form: string }): Promise<{ json: string; ws: string; read: string }> {
  return page.evaluate(
    async ([studio, t]) => {
      const create = `${studio}/api/library/create`;
      let json: string;
      try {
        const r = await fetch(create, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: [t.json] }) });
        json = `answered ${r.status}`;
      } catch {
        json = 'blocked';
      }
      // no preflight for text/plain: the request reaches the server even though the page cannot read the answer
      await fetch(create, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ args: [t.plain] }) }).catch(() => undefined);
      // a form POST with a text/plain body that happens to be JSON
      await new Promise<void>((done) => {
        const frame = document.createElement('iframe');
        frame.name = 'sink';
        document.body.append(frame);
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = create;
        form.enctype = 'text/plain';
        form.target = 'sink';
        const input = document.createElement('input');
        input.name = `{"args":["${t.form}"],"pad":"`;
        input.value = '"}';
        form.append(input);
        document.body.append(form);
        frame.addEventListener('load', () => done(), { once: true });
        setTimeout(done, 5000);
        form.submit();
      });
      const ws = await new Promise<string>((done) => {
        const socket = new WebSocket(studio.replace(/^http/, 'ws') + '/api/events');
        socket.onopen = () => (socket.close(), done('opened'));
        socket.onerror = () => done('refused');
        setTimeout(() => done('no answer'), 5000);
      });
      let read: string;
      try {
        const r = await fetch(`${studio}/api/library/recent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":[]}' });
        read = await r.text();
      } catch {
        read = 'blocked';
      }
      return { json, ws, read };
    },
    [studioOrigin, targets] as const,
  );
}

describe('browser mode on loopback refuses other origins', () => {
  let dir: string;
  let served: Served | undefined;
  let origin: string;
  let browser: Browser | undefined;
  let attacker: Awaited<ReturnType<typeof startAttackerSite>> | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'r2r-security-e2e-'));
    process.env.R2R_CONFIG_DIR = join(dir, 'config');
    await sampleLibrary(join(dir, 'lib'));
    served = await startServe(['--library', join(dir, 'lib')]);
    origin = new URL(served.url).origin;
    attacker = await startAttackerSite();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await attacker?.close();
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the studio itself still works: the page loads, images load, events arrive', async () => {
    const page = await browser!.newPage();
    await page.goto(served!.url);
    await page.getByTestId('garment-card').first().waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=garment-card] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    const event = await page.evaluate(async () => {
      const socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/api/events');
      await new Promise((r) => (socket.onopen = r));
      const first = new Promise<string>((r) => (socket.onmessage = (m) => r(JSON.parse(String(m.data)).type)));
      await fetch('/api/jobs/submit', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: ['probe-providers', {}] }) });
      return first;
    });
    expect(event).toMatch(/^job\./);
    await page.screenshot({ path: artifactPath('security-loopback-studio.png') });
    await page.close();
  });

  it('a page of another origin changes nothing: fetch, text/plain POST, form POST and WebSocket are all refused', async () => {
    const page = await browser!.newPage();
    await page.goto(attacker!.origin + '/');
    const targets = { json: join(dir, 'by-json'), plain: join(dir, 'by-text-plain'), form: join(dir, 'by-form') };
    const seen = await attack(page, origin, targets);
    const created = Object.values(targets).filter((t) => existsSync(t));
    expect(created, 'folders the page made the server create').toEqual([]);
    expect(await openLibraryRoot(origin)).toBe(join(dir, 'lib'));
    expect(seen).toEqual({ json: 'blocked', ws: 'refused', read: 'blocked' });
    await page.close();
  });

  it('the curl of the issue (foreign Origin, text/plain) is refused with a status and an error body', async () => {
    const target = join(dir, 'by-curl');
    const r = await rawRequest(`${origin}/api/library/create`, { method: 'POST', headers: { origin: 'http://evil.example', 'content-type': 'text/plain' }, body: JSON.stringify({ args: [target] }) });
    expect(r.status).toBe(403);
    expect((JSON.parse(r.body) as { error: { code: string } }).error.code).toBe('forbidden-origin');
    // the same request without the Origin, as a script would send it, still needs JSON
    const plain = await rawRequest(`${origin}/api/library/create`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ args: [target] }) });
    expect(plain.status).toBe(415);
    expect(existsSync(target)).toBe(false);
  });

  it('a rebinding Host header gets no answer from the API, the page or the event stream', async () => {
    const port = new URL(origin).port;
    const host = `rebind.evil.example:${port}`;
    const recent = await rawRequest(`${origin}/api/library/recent`, { method: 'POST', headers: { host, 'content-type': 'application/json' }, body: '{"args":[]}' });
    expect(recent.status).toBe(403);
    expect(recent.body).not.toContain(dir);
    expect((JSON.parse(recent.body) as { error: { code: string } }).error.code).toBe('forbidden-host');
    expect((await rawRequest(`${origin}/`, { headers: { host } })).status).toBe(403);
    const ws = await new Promise<string>((done) => {
      const socket = new NodeWebSocket(`ws://127.0.0.1:${port}/api/events`, { headers: { host } });
      socket.on('open', () => (socket.close(), done('opened')));
      socket.on('unexpected-response', (_req, res) => done(`refused ${res.statusCode}`));
      socket.on('error', () => done('refused'));
    });
    expect(ws).toMatch(/^refused/);
  });

});

describe('browser mode with an access token', () => {
  const token = 'e2e-token-0123456789';
  let dir: string;
  let served: Served | undefined;
  let origin: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'r2r-security-token-e2e-'));
    process.env.R2R_CONFIG_DIR = join(dir, 'config');
    await sampleLibrary(join(dir, 'lib'));
    served = await startServe(['--library', join(dir, 'lib'), '--token', token]);
    origin = new URL(served.url).origin;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a one-time link, never the token, in the page URL', () => {
    const printed = new URL(served!.url);
    expect(printed.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(served!.url).not.toContain(token);
  });

  it('the one-time link sets an HttpOnly, SameSite=Strict cookie and leaves the URL; images and events then work', async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    await page.goto(served!.url);
    expect(new URL(page.url()).search).toBe('');
    await page.getByTestId('garment-card').first().waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=garment-card] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    const srcs = await page.locator('[data-testid=garment-card] img').evaluateAll((is) => is.map((i) => (i as HTMLImageElement).src));
    expect(srcs.length).toBeGreaterThan(0);
    for (const src of srcs) expect(src).not.toMatch(/token|code=/);
    const cookies = await context.cookies(origin);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const event = await page.evaluate(async () => {
      const socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/api/events');
      await new Promise((r, j) => ((socket.onopen = r), (socket.onerror = j)));
      const first = new Promise<string>((r) => (socket.onmessage = (m) => r(JSON.parse(String(m.data)).type)));
      await fetch('/api/jobs/submit', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: ['probe-providers', {}] }) });
      return first;
    });
    expect(event).toMatch(/^job\./);
    await page.screenshot({ path: artifactPath('security-token-studio.png') });
    await context.close();
  });

  it('the link works once; without the cookie or header the API, files and events say 401', async () => {
    // whether or not an earlier test used the link, a first visit uses it up
    const first = await browser!.newContext();
    await (await first.newPage()).goto(served!.url);
    await first.close();
    const context = await browser!.newContext();
    const page = await context.newPage();
    const again = await page.goto(served!.url);
    expect(again!.status()).toBe(401);
    expect(await context.cookies(origin)).toHaveLength(0);
    await context.close();
    const api = await rawRequest(`${origin}/api/library/current`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":[]}' });
    expect(api.status).toBe(401);
    expect((JSON.parse(api.body) as { error: { code: string; hint?: string } }).error).toMatchObject({ code: 'unauthorized' });
    const inQuery = await rawRequest(`${origin}/api/library/current?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":[]}' });
    expect(inQuery.status).toBe(401);
    expect((await rawRequest(`${origin}/files/asset/${'0'.repeat(64)}`, {})).status).toBe(401);
    const ws = await new Promise<string>((done) => {
      const socket = new NodeWebSocket(`${origin.replace(/^http/, 'ws')}/api/events`);
      socket.on('open', () => (socket.close(), done('opened')));
      socket.on('unexpected-response', (_req, res) => done(`refused ${res.statusCode}`));
    });
    expect(ws).toBe('refused 401');
    expect(await openLibraryRoot(origin, token)).toBe(join(dir, 'lib'));
  });
});
