// the thin Electron glue driven through a stand-in for the electron module: what it registers
// and how it answers, with real Request/Response objects and real files
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fake = vi.hoisted(() => {
  const handlers = new Map<string, (req: Request) => Promise<Response>>();
  const privileged: unknown[] = [];
  const windows: unknown[] = [];
  const opened: string[] = [];
  const utilityForks: { entry: string; opts: unknown }[] = [];
  return { handlers, privileged, windows, opened, utilityForks };
});

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  class FakeWebContents extends EventEmitter {
    openHandler: ((d: { url: string }) => { action: string }) | undefined;
    setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
      this.openHandler = h;
    }
  }
  class BrowserWindow extends EventEmitter {
    webContents = new FakeWebContents();
    loaded: string | undefined;
    bounds: { x: number; y: number; width: number; height: number };
    constructor(readonly options: Record<string, unknown>) {
      super();
      this.bounds = { x: options.x as number, y: options.y as number, width: options.width as number, height: options.height as number };
      fake.windows.push(this);
    }
    loadURL(url: string) {
      this.loaded = url;
      return Promise.resolve();
    }
    maximize() {}
    setFullScreen() {}
    isDestroyed() {
      return false;
    }
    getNormalBounds() {
      return this.bounds;
    }
    isMaximized() {
      return false;
    }
    isFullScreen() {
      return false;
    }
  }
  // a utility process stands in as a forked Node process that sees process.parentPort
  const { fork } = await import('node:child_process');
  const { createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  const here = new URL('../jobs/fixtures/', import.meta.url);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const utilityProcess = {
    fork(entry: string, args: string[], opts: { stdio: unknown[] }) {
      fake.utilityForks.push({ entry, opts });
      const child = fork(entry, [...args, '--job-kinds', new URL('test-kinds.ts', here).pathname], {
        execArgv: ['--import', tsx, '--import', new URL('parent-port-shim.ts', here).pathname],
        stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
        serialization: 'advanced',
      });
      const up = new EventEmitter();
      child.on('message', (m) => up.emit('message', m));
      // Electron reports an exit code only
      child.on('exit', (code) => up.emit('exit', code ?? 1));
      return Object.assign(up, { pid: child.pid, stderr: child.stderr, postMessage: (m: unknown) => child.send(m as never), kill: () => child.kill('SIGTERM') });
    },
  };
  return {
    utilityProcess,
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => fake.privileged.push(...s),
      handle: (scheme: string, h: (req: Request) => Promise<Response>) => fake.handlers.set(scheme, h),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    shell: { openExternal: async (url: string) => void fake.opened.push(url) },
    BrowserWindow,
  };
});

const { handleProtocols, registerSchemes } = await import('../../../main/app/protocols');
const { createMainWindow } = await import('../../../main/app/window');
const { contentSecurityPolicy } = await import('../../../main/app/security');
const { utilityWorkerFactory } = await import('../../../main/app/utility-worker');
const { JobQueue } = await import('../../../main/jobs/queue');
const { jobKinds: testKinds } = await import('../jobs/fixtures/test-kinds');
const { assetFile, createLibrary, storeImage } = await import('../../../main/catalog/index');
const { default: sharp } = await import('sharp');

let dir: string;
let lib: Awaited<ReturnType<typeof createLibrary>>;
let hash: string;
const csp = contentSecurityPolicy();

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'r2r-glue-')));
  mkdirSync(join(dir, 'renderer/assets'), { recursive: true });
  writeFileSync(join(dir, 'renderer/index.html'), '<!doctype html><title>R2R</title>');
  writeFileSync(join(dir, 'renderer/assets/app.js'), 'console.log(1)');
  lib = createLibrary(join(dir, 'lib'));
  hash = (await storeImage(lib, await sharp({ create: { width: 8, height: 6, channels: 3, background: '#c03030' } }).png().toBuffer())).hash;
  writeFileSync(join(dir, 'secret.png'), 'outside');
  registerSchemes();
  handleProtocols({ rendererRoot: join(dir, 'renderer'), library: () => lib, csp, pageOrigin: 'r2r-app://studio' });
});

afterAll(() => {
  lib.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('protocol handlers', () => {
  it('registers both schemes as privileged before handling them', () => {
    expect(fake.privileged.map((s) => (s as { scheme: string }).scheme)).toEqual(['r2r-app', 'r2r-asset']);
    expect([...fake.handlers.keys()]).toEqual(['r2r-app', 'r2r-asset']);
  });

  it('serves the UI with the policy header and the file body', async () => {
    const res = await fake.handlers.get('r2r-app')!(new Request('r2r-app://studio/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(csp);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toBe('<!doctype html><title>R2R</title>');
    const head = await fake.handlers.get('r2r-app')!(new Request('r2r-app://studio/assets/app.js', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('14');
    expect(await head.text()).toBe('');
  });

  it('streams library images by hash (the /files/ routes of browser mode) and refuses the rest', async () => {
    const handle = fake.handlers.get('r2r-asset')!;
    const res = await handle(new Request(`r2r-asset://library/files/asset/${hash}`));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('access-control-allow-origin')).toBe('r2r-app://studio');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(readFileSync(assetFile(lib, hash))));
    const thumb = await handle(new Request(`r2r-asset://library/files/thumb/${hash}?size=64`));
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const out = await handle(new Request('r2r-asset://library/files/asset/..%2f..%2fsecret.png'));
    expect(out.status).toBe(400);
    expect(await out.text()).not.toContain('outside');
    const byPath = await handle(new Request('r2r-asset://library/library.r2r.sqlite'));
    expect(byPath.status).toBe(404);
    const post = await handle(new Request(`r2r-asset://library/files/asset/${hash}`, { method: 'POST', body: 'x' }));
    expect(post.status).toBe(405);
  });
});

describe('the main window', () => {
  type FakeWindow = EventEmitter & {
    options: { webPreferences: Record<string, unknown>; width: number; height: number; x: number; y: number };
    loaded: string;
    bounds: { x: number; y: number; width: number; height: number };
    webContents: EventEmitter & { openHandler: (d: { url: string }) => { action: string } };
  };

  it('opens the studio page with secure preferences, blocks navigation and new windows, remembers its bounds', async () => {
    const stateFile = join(dir, 'window-state.json');
    const win = createMainWindow({ preload: '/p/index.cjs', appUrl: 'r2r-app://studio/index.html', stateFile }) as unknown as FakeWindow;
    expect(win.loaded).toBe('r2r-app://studio/index.html');
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: '/p/index.cjs' });
    expect([win.options.x, win.options.y, win.options.width, win.options.height]).toEqual([240, 90, 1440, 900]);

    let prevented = 0;
    const navigate = (url: string) => win.webContents.emit('will-navigate', { preventDefault: () => prevented++ }, url);
    navigate('https://example.com/');
    navigate('file:///etc/passwd');
    navigate('r2r-app://studio/index.html');
    expect(prevented).toBe(2);

    expect(win.webContents.openHandler({ url: 'https://docs.example.com/' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(fake.opened).toEqual(['https://docs.example.com/']);

    win.bounds = { x: 100, y: 50, width: 1200, height: 800 };
    win.emit('close');
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ version: 1, bounds: { x: 100, y: 50, width: 1200, height: 800 }, maximized: false, fullScreen: false });
    const again = createMainWindow({ preload: '/p/index.cjs', appUrl: 'r2r-app://studio/index.html', stateFile }) as unknown as FakeWindow;
    expect([again.options.x, again.options.y, again.options.width, again.options.height]).toEqual([100, 50, 1200, 800]);
  });
});

describe('the utility-process job worker', () => {
  it('runs jobs, reports a crash with its reason, and stops a stuck job', async () => {
    const entry = new URL('../../../main/api/job-worker-entry.ts', import.meta.url).pathname;
    const queue = new JobQueue({ kinds: testKinds, worker: utilityWorkerFactory(entry), cancelGraceMs: 300 });
    const done = await queue.whenSettled(queue.submit('slow', { steps: 2, ms: 1 }).id);
    expect(done.state).toBe('done');
    expect(fake.utilityForks[0]).toMatchObject({ entry, opts: { serviceName: 'R2R Studio jobs', stdio: ['ignore', 'inherit', 'pipe'] } });
    const crashed = await queue.whenSettled(queue.submit('crash', { code: 5 }).id);
    expect(crashed.error).toMatchObject({ code: 'worker-crashed', message: expect.stringMatching(/exited with code 5: .*simulated native crash/) });
    const stuck = queue.submit('hang', {});
    while (!queue.get(stuck.id).progress) await new Promise((r) => setTimeout(r, 5));
    expect((await queue.cancel(stuck.id)).state).toBe('cancelled');
    expect((await queue.whenSettled(queue.submit('pid', {}).id)).state).toBe('done');
    expect(fake.utilityForks).toHaveLength(3);
    await queue.close();
  });
});
