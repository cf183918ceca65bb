import { loadGarmentScene } from './garment-scene';
import { RenderCancelled, ViewRenderer } from './render-views';
import { isRigView } from './rig';
import { applyU3mMaterial } from './u3m-material';
import type { Render3dImage, Render3dPageApi, Render3dProgress, Render3dRequest } from '../../preload/api/render3d-types';

declare global {
  interface Window {
    r2rRender3d: Render3dPageApi;
    /** set by the driver to hear progress */
    r2rRender3dProgress?: (p: Render3dProgress) => void;
  }
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function check(req: Render3dRequest): void {
  for (const v of req.views) if (!isRigView(v)) throw new Error(`unknown view '${v}' (the rig has front, back, side, detail)`);
  if (!(req.width >= 8 && req.height >= 8 && req.width <= 4096 && req.height <= 4096)) throw new Error(`size ${req.width}x${req.height} is outside 8..4096`);
  if (!(Number.isInteger(req.samples) && req.samples >= 1)) throw new Error(`samples must be a whole number from 1, not ${req.samples}`);
}

let running: AbortController | undefined;

async function render(req: Render3dRequest): Promise<Render3dImage[]> {
  check(req);
  running?.abort();
  const controller = new AbortController();
  running = controller;
  const res = await fetch(req.modelUrl);
  if (!res.ok) throw new Error(`cannot fetch the model (${res.status} ${res.statusText})`);
  const garment = await loadGarmentScene(await res.arrayBuffer(), { variant: req.variant });
  const notes = req.material ? await applyU3mMaterial(garment.model, req.material) : [];
  const progress = (p: Render3dProgress) => window.r2rRender3dProgress?.(p);
  const renderer = new ViewRenderer(garment, {
    width: req.width,
    height: req.height,
    background: req.background,
    samples: req.samples,
    signal: controller.signal,
    onSample: (view, done, total) => progress({ view, kind: 'raytrace', done, total }),
  });
  const out: Render3dImage[] = [];
  try {
    for (const kind of req.kinds) {
      for (const view of req.views) {
        if (controller.signal.aborted) throw new RenderCancelled('render cancelled');
        const t0 = performance.now();
        if (kind === 'raster') progress({ view, kind, done: 0, total: 1 });
        if (kind === 'raster') {
          const png = await renderer.raster(view);
          progress({ view, kind, done: 1, total: 1 });
          out.push({ view, kind, png: base64(png), ms: performance.now() - t0, samples: null, notes });
          continue;
        }
        const png = await renderer.raytrace(view, req.snapshotSamples ?? [], (samples, snap) =>
          out.push({ view, kind, png: base64(snap), ms: performance.now() - t0, samples, notes }),
        );
        out.push({ view, kind, png: base64(png), ms: performance.now() - t0, samples: req.samples, notes });
      }
    }
    return out;
  } finally {
    renderer.dispose();
    if (running === controller) running = undefined;
  }
}

window.r2rRender3d = { render, cancel: () => running?.abort() };
document.documentElement.dataset.render3d = 'ready';
