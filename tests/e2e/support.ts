import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../main/common/version';

export const root = projectRoot();
export const artifactsDir = join(root, 'test-results', 'e2e');

export function chromiumPath(): string {
  const candidates = [process.env.R2R_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('no Chromium found: install Debian\'s `chromium` package or set R2R_CHROMIUM to its path');
  return found;
}

/** headless Chromium with the flags this offline machine needs */
export async function launchBrowser(): Promise<Browser> {
  // playwright's launch() gives every browser a fresh, temporary profile (--user-data-dir)
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Served {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** starts `r2r serve` on a free port and waits for its "listening" line */
export async function startServe(extraArgs: string[] = []): Promise<Served> {
  if (!existsSync(join(root, 'out/renderer/index.html'))) throw new Error('the UI is not built: run `npm run build` before the e2e tests');
  const child = spawn(process.execPath, [join(root, 'bin/r2r.js'), 'serve', '--port', '0', '--json', ...extraArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { event?: string; page?: string };
        if (msg.event === 'listening' && msg.page) resolve(msg.page);
      } catch {
        // not a JSON line
      }
    });
    child.once('exit', (code) => reject(new Error(`r2r serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function artifactPath(name: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  return join(artifactsDir, name);
}

export interface Studio {
  dir: string;
  served: Served;
  browser: Browser;
  page: Page;
  /** closes the browser, stops the server and removes the temp folder */
  close(): Promise<void>;
}

/**
 * a temp folder that `prepare` fills (the library at `<dir>/lib`), `r2r serve` on that library with
 * its config in `<dir>/config`, and a browser page; on a failed start what was opened is closed
 */
export async function openStudio(prefix: string, prepare: (dir: string) => unknown, viewport = { width: 1400, height: 900 }): Promise<Studio> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let served: Served | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await prepare(dir);
    process.env.R2R_CONFIG_DIR = join(dir, 'config');
    served = await startServe(['--library', join(dir, 'lib')]);
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport });
    return { dir, served, browser, page, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** console errors and uncaught page errors from now on; the studio should log none */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  return errors;
}

/** adds a model folder (or embedding file) through the parameters panel's picker, which then picks it */
export async function addModel(page: Page, path: string, kind: 'model' | 'embedding' = 'model'): Promise<void> {
  await page.getByTestId(`${kind}-add-toggle`).click();
  await page.getByTestId(`${kind}-add-path`).fill(path);
  await page.getByTestId(`${kind}-add`).click();
  await page.waitForFunction(([k, p]) => (document.querySelector(`[data-testid=${k}-select]`) as HTMLSelectElement | null)?.value === p, [kind, path] as const, { timeout: 60_000 });
}
