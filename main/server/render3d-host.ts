import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Render3dImage, Render3dPageApi, Render3dProgress, Render3dRequest } from '../../preload/api/render3d-types';
import type { U3mSide } from '../../preload/api/u3m-types';
import { UserError } from '../common/errors';
import { projectRoot } from '../common/version';
import { serveStatic } from './static-files';

/** a U3M material for a headless render: the side the garment wears and the images it names, by path */
export interface HeadlessMaterial {
  name: string;
  side: U3mSide;
  images: Map<string, Uint8Array>;
}

export type HeadlessRenderRequest = Omit<Render3dRequest, 'modelUrl' | 'material'> & {
  /** the .glb bytes */
  model: Uint8Array;
  material?: HeadlessMaterial | null;
  signal?: AbortSignal;
  onProgress?(p: Render3dProgress): void;
  /** the longest the whole render may take (default 30 minutes) */
  timeoutMs?: number;
};

/** the SwiftShader flags WebGL2 needs in a headless Chromium without a GPU */
export const SWIFTSHADER_ARGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];

/** Chromium for headless renders: R2R_CHROMIUM, else the distribution's package */
export function findChromium(): string {
  const hint = "Install your distribution's `chromium` package, or set R2R_CHROMIUM to a Chromium or Chrome binary.";
  const chosen = process.env.R2R_CHROMIUM;
  if (chosen) {
    if (!existsSync(chosen)) throw new UserError('no-chromium', `no Chromium to render in: R2R_CHROMIUM=${chosen} does not exist`, hint);
    return chosen;
  }
  const found = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
  if (!found) throw new UserError('no-chromium', 'no Chromium to render in: none at /usr/bin/chromium', hint);
  return found;
}

function rendererRoot(): string {
  const root = join(projectRoot(), 'out/renderer');
  if (!existsSync(join(root, 'render3d.html'))) {
    throw new UserError('ui-not-built', `the 3D renderer page is not built (${root} has no render3d.html)`, 'Run `npm run build` once, then try again.');
  }
  return root;
}

/** a loopback server for the built renderer, the one model being rendered and its material's images (`/material/<n>`) */
async function hostModel(model: Uint8Array, images: Uint8Array[]): Promise<{ url: string; close(): Promise<void> }> {
  const root = rendererRoot();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/model.glb') {
      res.writeHead(200, { 'content-type': 'model/gltf-binary', 'content-length': model.length }).end(model);
      return;
    }
    const image = /^\/material\/(\d+)$/.exec(path);
    if (image && images[Number(image[1])]) {
      const bytes = images[Number(image[1])]!;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }).end(bytes);
      return;
    }
    serveStatic(root, path, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Renders a model's views in headless Chromium (WebGL2 on SwiftShader, the CPU) with the
 * same page the studio uses. Cancelling stops between path-traced samples.
 */
export async function renderHeadless(req: HeadlessRenderRequest): Promise<Render3dImage[]> {
  const executablePath = findChromium();
  const { chromium } = await import('playwright-core');
  const materialImages = [...(req.material?.images ?? new Map<string, Uint8Array>())];
  const host = await hostModel(req.model, materialImages.map(([, bytes]) => bytes));
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', ...SWIFTSHADER_ARGS] });
  const pageErrors: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.exposeFunction('r2rRender3dProgress', (p: Render3dProgress) => req.onProgress?.(p));
    await page.goto(`${host.url}/render3d.html`);
    await page.waitForFunction(() => document.documentElement.dataset.render3d === 'ready', undefined, { timeout: 60_000 });
    const cancel = () => void page.evaluate(() => (window as unknown as { r2rRender3d: Render3dPageApi }).r2rRender3d.cancel()).catch(() => undefined);
    req.signal?.addEventListener('abort', cancel, { once: true });
    const request: Render3dRequest = {
      modelUrl: '/model.glb',
      views: req.views,
      kinds: req.kinds,
      samples: req.samples,
      width: req.width,
      height: req.height,
      background: req.background,
      variant: req.variant ?? null,
      snapshotSamples: req.snapshotSamples ?? [],
      material: req.material ? { name: req.material.name, side: req.material.side, imageUrls: Object.fromEntries(materialImages.map(([path], i) => [path, `/material/${i}`])) } : null,
    };
    page.setDefaultTimeout(req.timeoutMs ?? 30 * 60_000);
    try {
      return await page.evaluate((r) => (window as unknown as { r2rRender3d: Render3dPageApi }).r2rRender3d.render(r), request);
    } catch (err) {
      const msg = ((err as Error).message ?? String(err)).replace(/^page\.evaluate: (Error: )?/, '').split('\n')[0]!;
      if (req.signal?.aborted || /render cancelled/.test(msg)) throw new UserError('cancelled', 'render cancelled');
      throw new UserError('render3d-failed', `the 3D render failed: ${msg}`, pageErrors.length ? `The page reported: ${pageErrors[0]}` : undefined);
    } finally {
      req.signal?.removeEventListener('abort', cancel);
    }
  } finally {
    await browser.close();
    await host.close();
  }
}
