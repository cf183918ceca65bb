import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGarmentGlb } from '../../main/catalog/sample/garment-model';
import { renderHeadless } from '../../main/server/render3d-host';
import { artifactPath, chromiumPath, root } from './support';

interface Rgba {
  width: number;
  height: number;
  data: Buffer;
}

async function rgba(png: Uint8Array): Promise<Rgba> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** opaque pixels (alpha over half): the garment, not the translucent floor shadow */
function silhouette(img: Rgba, mirror = false): boolean[] {
  const out = new Array<boolean>(img.width * img.height);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) out[y * img.width + (mirror ? img.width - 1 - x : x)] = img.data[(y * img.width + x) * 4 + 3]! > 128;
  }
  return out;
}

function iou(a: boolean[], b: boolean[]): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) both++;
    if (a[i] || b[i]) either++;
  }
  return either ? both / either : 0;
}

const coverage = (m: boolean[]) => m.filter(Boolean).length / m.length;

/** root-mean-square difference of the colour channels over pixels opaque in both */
function rmse(a: Rgba, b: Rgba): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i + 3]! < 250 || b.data[i + 3]! < 250) continue;
    for (let c = 0; c < 3; c++) sum += (a.data[i + c]! - b.data[i + c]!) ** 2;
    n += 3;
  }
  return Math.sqrt(sum / n);
}

function r2r(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(root, 'bin/r2r.js'), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('3D renders in headless Chromium (SwiftShader)', () => {
  let dir: string;
  let glb: Uint8Array;
  let model: string;

  beforeAll(async () => {
    chromiumPath();
    if (!existsSync(join(root, 'out/renderer/render3d.html'))) throw new Error('the renderer is not built: run `npx electron-vite build` before the e2e tests');
    dir = mkdtempSync(join(tmpdir(), 'r2r-render3d-'));
    glb = await buildGarmentGlb({ texture: true, segments: 32 });
    model = join(dir, 'tee.glb');
    writeFileSync(model, glb);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('r2r render writes the four raster views; front and back silhouettes mirror each other', async () => {
    const out = join(dir, 'renders');
    const res = await r2r(['render', model, '--out', out, '--kind', 'raster', '--size', '96x128', '--json']);
    expect(res.stderr).not.toMatch(/failed/);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { files: { view: string; kind: string; file: string }[] };
    expect(report.files.map((f) => `${f.view}_${f.kind}`)).toEqual(['front_raster', 'back_raster', 'side_raster', 'detail_raster']);
    const images = Object.fromEntries(await Promise.all(['front', 'back', 'side', 'detail'].map(async (v) => [v, await rgba(readFileSync(join(out, `${v}_raster.png`)))] as const)));
    for (const img of Object.values(images)) expect([img.width, img.height]).toEqual([96, 128]);
    const front = silhouette(images.front!);
    // the garment fills a good part of the frame, inside the rig's margin, and not all of it
    expect(coverage(front)).toBeGreaterThan(0.25);
    expect(coverage(front)).toBeLessThan(0.8);
    expect(iou(front, silhouette(images.back!, true))).toBeGreaterThan(0.95);
    // unmirrored they differ (the sleeves sit at one height, so only the shading tells them apart): the colours must
    expect(rmse(images.front!, images.back!)).toBeGreaterThan(1);
    // seen from the side the garment is narrower than from the front; the detail view is closer
    expect(coverage(silhouette(images.side!))).toBeLessThan(coverage(front) * 0.8);
    expect(coverage(silhouette(images.detail!))).toBeGreaterThan(coverage(front));
    await sharp(readFileSync(join(out, 'front_raster.png'))).toFile(artifactPath('render3d-front-raster.png'));
  }, 300_000);

  it("path-traced noise falls as samples grow (1 and 16 samples against 64)", async () => {
    const images = await renderHeadless({ model: glb, views: ['front'], kinds: ['raytrace'], samples: 64, snapshotSamples: [1, 16], width: 64, height: 64, background: 'transparent' });
    expect(images.map((i) => i.samples)).toEqual([1, 16, 64]);
    const [one, sixteen, reference] = await Promise.all(images.map((i) => rgba(Buffer.from(i.png, 'base64'))));
    const e1 = rmse(one!, reference!);
    const e16 = rmse(sixteen!, reference!);
    writeFileSync(artifactPath('render3d-front-raytrace-64.png'), Buffer.from(images[2]!.png, 'base64'));
    // independent samples: the error of a 16-sample mean is about 1/sqrt(16 (1 - 16/64) / (1 - 1/64)) ~ 1/3.5 of one sample's
    expect(e1).toBeGreaterThan(8);
    expect(e16).toBeLessThan(e1 / 2);
    // the path-traced garment covers what the rasterised one does
    expect(coverage(silhouette(reference!))).toBeGreaterThan(0.2);
  }, 600_000);

  it('refuses a corrupt .glb and a missing Chromium with clear errors', async () => {
    const bad = join(dir, 'bad.glb');
    writeFileSync(bad, glb.slice(0, 200));
    const corrupt = await r2r(['render', bad, '--out', join(dir, 'x')]);
    expect(corrupt.code).not.toBe(0);
    expect(corrupt.stderr).toContain(`${bad}: truncated .glb: the header says ${glb.length} bytes, the file has 200`);
    const noBrowser = await r2r(['render', model, '--out', join(dir, 'y'), '--kind', 'raster'], { R2R_CHROMIUM: '/nowhere/chromium' });
    expect(noBrowser.code).not.toBe(0);
    expect(noBrowser.stderr).toContain('no Chromium to render in: R2R_CHROMIUM=/nowhere/chromium does not exist');
    expect(existsSync(join(dir, 'y'))).toBe(false);
  }, 60_000);
});
