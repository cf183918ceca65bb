// the policy string checked by a real browser engine, not only by reading it
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { contentSecurityPolicy, withSecurityHeaders } from '../../../main/app/security';
import { launchBrowser } from '../../e2e/support';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"></head><body>
<script src="/app.js"></script>
<script>window.inlineRan = true;</script>
</body></html>`;

// the studio's own script: it probes what the policy lets through
const APP_JS = `
window.results = {};
window.violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective));
try { eval('1'); window.results.eval = 'ran'; } catch { window.results.eval = 'blocked'; }
const img = (src) => new Promise((r) => { const i = new Image(); i.onload = () => r('loaded'); i.onerror = () => r('blocked'); i.src = src; });
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
window.done = (async () => {
  window.results.dataImage = await img('data:image/png;base64,' + PNG);
  window.results.otherOriginImage = await img(window.OTHER + '/x.png');
  window.results.fetchSelf = await fetch('/app.js').then(() => 'ok', () => 'blocked');
  window.results.fetchOther = await fetch(window.OTHER + '/x.png').then(() => 'ok', () => 'blocked');
  const s = document.createElement('script'); s.src = window.OTHER + '/evil.js';
  window.results.otherScript = await new Promise((r) => { s.onload = () => r('ran'); s.onerror = () => r('blocked'); document.body.append(s); });
})();
`;

let server: Server;
let other: Server;
let browser: Browser;
let base: string;
let otherOrigin: string;

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  other = createServer((req, res) => {
    if (req.url === '/x.png') res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64'));
    else res.writeHead(200, { 'content-type': 'text/javascript' }).end('window.evilRan = true;');
  });
  otherOrigin = await listen(other);
  const csp = contentSecurityPolicy();
  server = createServer((req, res) => {
    const headers = withSecurityHeaders({}, csp);
    if (req.url === '/app.js') res.writeHead(200, { ...headers, 'content-type': 'text/javascript' }).end(`window.OTHER = ${JSON.stringify(otherOrigin)};` + APP_JS);
    else res.writeHead(200, { ...headers, 'content-type': 'text/html' }).end(PAGE);
  });
  base = await listen(server);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  await new Promise((r) => other?.close(r));
});

describe('the content security policy in Chromium', () => {
  it('runs only the page\'s own script, talks only to itself, shows data images', async () => {
    const page = await browser.newPage();
    await page.goto(base + '/');
    await page.waitForFunction(() => (window as unknown as { done?: Promise<void> }).done !== undefined);
    await page.evaluate(() => (window as unknown as { done: Promise<void> }).done);
    const seen = await page.evaluate(() => {
      const w = window as unknown as { results: Record<string, string>; inlineRan?: boolean; evilRan?: boolean; violations: string[] };
      return { results: w.results, inlineRan: w.inlineRan ?? false, evilRan: w.evilRan ?? false, violations: [...new Set(w.violations)].sort() };
    });
    expect(seen.results).toEqual({ eval: 'blocked', dataImage: 'loaded', otherOriginImage: 'blocked', fetchSelf: 'ok', fetchOther: 'blocked', otherScript: 'blocked' });
    expect(seen.inlineRan).toBe(false);
    expect(seen.evilRan).toBe(false);
    expect(seen.violations).toEqual(expect.arrayContaining(['connect-src', 'img-src', 'script-src-elem']));
    await page.close();
  });
});
