import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser } from 'playwright-core';
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
