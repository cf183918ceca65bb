import { WebIO } from '@gltf-transform/core';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTree } from '../../main/catalog/import/importer';
import { parseU3m } from '../../main/catalog/import/u3m';
import { assetFile, createLibrary, openLibrary } from '../../main/catalog/library';
import { buildGarmentGlb, garmentMesh } from '../../main/catalog/sample/garment-model';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { renderHeadless, SWIFTSHADER_ARGS } from '../../main/server/render3d-host';
import type { HeadlessMaterial } from '../../main/server/render3d-host';
import { artifactPath, chromiumPath, collectConsoleErrors, openStudio, root } from './support';
import type { Studio } from './support';

interface Rgba {
  width: number;
  height: number;
  data: Buffer;
}

const SEGMENTS = 32;
const NAVY: [number, number, number] = [0.05, 0.18, 0.42];
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

async function rgba(png: Uint8Array): Promise<Rgba> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

const opaque = (img: Rgba, x: number, y: number) => img.data[(y * img.width + x) * 4 + 3]! > 250;

/** mean colour of the garment's opaque pixels */
function meanColour(img: Rgba): { r: number; g: number; b: number; n: number } {
  const sum = { r: 0, g: 0, b: 0, n: 0 };
  for (let i = 0; i < img.data.length; i += 4) {
    if (img.data[i + 3]! < 250) continue;
    sum.r += img.data[i]!;
    sum.g += img.data[i + 1]!;
    sum.b += img.data[i + 2]!;
    sum.n++;
  }
  return { r: sum.r / sum.n, g: sum.g / sum.n, b: sum.b / sum.n, n: sum.n };
}

function u3m(basecolor: unknown, name = 'Test material') {
  return { schema: '1.1', material: { id: 'm', name, front: { basecolor, roughness: { constant: 0.8 } } } };
}

/** a 64 x 8 px tile, red on its left half and green on its right, `widthMm` wide */
async function stripeMaterial(widthMm: number): Promise<HeadlessMaterial> {
  const px = Buffer.alloc(64 * 8 * 3);
  for (let i = 0; i < 64 * 8; i++) px[i * 3 + ((i % 64) < 32 ? 0 : 1)] = 255;
  const png = new Uint8Array(await sharp(px, { raw: { width: 64, height: 8, channels: 3 } }).png().toBuffer());
  const doc = u3m({ constant: { r: 1, g: 1, b: 1 }, texture: { factor: { r: 1, g: 1, b: 1 }, image: { path: 'stripes.png', width: widthMm, height: widthMm } } });
  const { material, images } = parseU3m(enc(doc), (p) => (p === 'stripes.png' ? png : undefined));
  return { name: material.name, side: material.front, images };
}

function r2r(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(root, 'bin/r2r.js'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('U3M materials on a GLB garment, headless raster', () => {
  let dir: string;
  let glb: Uint8Array;
  let model: string;

  beforeAll(async () => {
    chromiumPath();
    if (!existsSync(join(root, 'out/renderer/render3d.html'))) throw new Error('the renderer is not built: run `npm run build` before the e2e tests');
    dir = mkdtempSync(join(tmpdir(), 'r2r-render3d-u3m-'));
    glb = await buildGarmentGlb({ segments: SEGMENTS, colors: [NAVY] });
    model = join(dir, 'navy.glb');
    writeFileSync(model, glb);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('r2r render --material with a constant red basecolor turns the navy garment red, same silhouette', async () => {
    writeFileSync(join(dir, 'red.u3m'), enc(u3m({ constant: { r: 1, g: 0, b: 0 } })));
    const plain = await r2r(['render', model, '--out', join(dir, 'plain'), '--kind', 'raster', '--views', 'front', '--size', '96x128', '--json']);
    const red = await r2r(['render', model, '--out', join(dir, 'red'), '--kind', 'raster', '--views', 'front', '--size', '96x128', '--material', join(dir, 'red.u3m'), '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(red.code, red.stderr).toBe(0);
    expect(JSON.parse(red.stdout)).toMatchObject({ material: 'Test material', notes: [] });
    const a = await rgba(readFileSync(join(dir, 'plain/front_raster.png')));
    const b = await rgba(readFileSync(join(dir, 'red/front_raster.png')));
    const before = meanColour(a);
    const after = meanColour(b);
    // navy: blue over red; in the U3M's red: red well over green and blue
    expect(before.b).toBeGreaterThan(before.r * 1.5);
    expect(after.r).toBeGreaterThan(after.g * 3);
    expect(after.r).toBeGreaterThan(after.b * 3);
    expect(after.r).toBeGreaterThan(before.r + 60);
    expect(Math.abs(after.n - before.n)).toBeLessThan(before.n * 0.01);
    await sharp(readFileSync(join(dir, 'red/front_raster.png'))).toFile(artifactPath('render3d-u3m-red-front.png'));
  }, 180_000);

  it('a striped texture of known physical size gives the expected number of stripes across a known UV span', async () => {
    const [w, h] = [288, 384];
    const images = await renderHeadless({ model: glb, views: ['front'], kinds: ['raster'], samples: 1, width: w, height: h, background: 'transparent', material: await stripeMaterial(50) });
    expect(images[0]!.notes).toEqual([]);
    const img = await rgba(Buffer.from(images[0]!.png, 'base64'));
    writeFileSync(artifactPath('render3d-u3m-stripes-front.png'), Buffer.from(images[0]!.png, 'base64'));

    // the body ring a third of the way up (well below the sleeves): its u is metres of arc around the body
    const mesh = garmentMesh(SEGMENTS);
    const rings = Math.round(SEGMENTS / 2);
    const ring = 5;
    const ringY = (ring / (rings - 1)) * 0.72;
    const vertices = Array.from({ length: SEGMENTS + 1 }, (_, j) => (ring * (SEGMENTS + 1) + j) * 3).map((k) => ({ x: mesh.positions[k]!, z: mesh.positions[k + 2]!, u: mesh.uvs[(k / 3) * 2]! }));
    expect(mesh.positions[ring * (SEGMENTS + 1) * 3 + 1]).toBeCloseTo(ringY, 9);
    const halfWidth = Math.max(...vertices.map((v) => v.x));
    // the front-facing vertices nearest x = +-0.6 of the half width: the UV span between them is exact (u is linear along each facet)
    const front = vertices.filter((v) => v.z > 0);
    const nearest = (x: number) => front.reduce((best, v) => (Math.abs(v.x - x) < Math.abs(best.x - x) ? v : best));
    const [right, left] = [nearest(0.6 * halfWidth), nearest(-0.6 * halfWidth)];
    const spanMm = (left.u - right.u) * 1000;
    expect(spanMm).toBeGreaterThan(200);
    // one stripe per 25 mm: half the 50 mm tile is red, half green
    const expected = spanMm / 25;

    // the image row at the ring's height: the silhouette's body runs from the hem (y = 0) to the neck (y = 0.72)
    const rowsWithGarment = Array.from({ length: h }, (_, y) => y).filter((y) => Array.from({ length: w }, (_, x) => x).some((x) => opaque(img, x, y)));
    const [top, bottom] = [rowsWithGarment[0]!, rowsWithGarment[rowsWithGarment.length - 1]!];
    const y = Math.round(bottom - (ringY / 0.72) * (bottom - top));
    const cols = Array.from({ length: w }, (_, x) => x).filter((x) => opaque(img, x, y));
    const [x0, x1] = [cols[0]!, cols[cols.length - 1]!];
    const column = (x: number) => Math.round(x0 + ((x + halfWidth) / (2 * halfWidth)) * (x1 - x0));
    // seen from the front, +x is on the image's right
    const [c0, c1] = [column(left.x), column(right.x)];
    const runs: { red: boolean; length: number }[] = [];
    for (let x = c0; x <= c1; x++) {
      const i = (y * w + x) * 4;
      const red = img.data[i]! > img.data[i + 1]!;
      if (runs.length && runs[runs.length - 1]!.red === red) runs[runs.length - 1]!.length++;
      else runs.push({ red, length: 1 });
    }
    // stripes: runs of one colour, a blended pixel at a boundary not counted as one
    const stripes = runs.filter((r) => r.length >= 2).length;
    expect(Math.abs(stripes - expected)).toBeLessThanOrEqual(1.5);
    // the same span with a tile twice as wide holds half as many
    const wide = await renderHeadless({ model: glb, views: ['front'], kinds: ['raster'], samples: 1, width: w, height: h, background: 'transparent', material: await stripeMaterial(100) });
    const wideImg = await rgba(Buffer.from(wide[0]!.png, 'base64'));
    const wideRuns: boolean[] = [];
    for (let x = c0; x <= c1; x++) {
      const i = (y * w + x) * 4;
      const red = wideImg.data[i]! > wideImg.data[i + 1]!;
      if (wideRuns[wideRuns.length - 1] !== red) wideRuns.push(red);
    }
    expect(Math.abs(wideRuns.length - expected / 2)).toBeLessThanOrEqual(1.5);
  }, 180_000);

  it('says so in the report when the mesh has no UVs for the textures, and applies the constants', async () => {
    const io = new WebIO();
    const doc = await io.readBinary(glb);
    for (const mesh of doc.getRoot().listMeshes()) for (const prim of mesh.listPrimitives()) prim.setAttribute('TEXCOORD_0', null);
    const noUv = await io.writeBinary(doc);
    const images = await renderHeadless({ model: noUv, views: ['front'], kinds: ['raster'], samples: 1, width: 64, height: 80, background: 'transparent', material: await stripeMaterial(50) });
    // three.js names the glTF mesh 'garment' as 'garment_1' (its node holds the plain name)
    expect(images[0]!.notes).toEqual(["mesh 'garment_1' has no UVs: the material 'Test material' is on it without its textures (map), constants only"]);
    // the constant (white) is on it: the stripes' red and green are not
    const img = await rgba(Buffer.from(images[0]!.png, 'base64'));
    const mean = meanColour(img);
    expect(Math.abs(mean.r - mean.g)).toBeLessThan(10);
  }, 120_000);
});

describe('a colorway with a U3M material renders in it from the studio', () => {
  let studio: Studio | undefined;
  let webgl: Browser | undefined;
  afterAll(async () => {
    await webgl?.close();
    await studio?.close();
  });

  it('the 3D panel names the material and the stored front raster wears its red', async () => {
    studio = await openStudio('r2r-u3m-studio-e2e-', async (dir) => {
      const src = join(dir, 'src');
      const write = (rel: string, bytes: Uint8Array) => {
        mkdirSync(dirname(join(src, rel)), { recursive: true });
        writeFileSync(join(src, rel), bytes);
      };
      write('tops/TEE-1/red/model.glb', await buildGarmentGlb({ segments: 16, colors: [NAVY] }));
      write('tops/TEE-1/red/material.u3m', enc(u3m({ constant: { r: 1, g: 0, b: 0 } }, 'Red jersey')));
      write('tops/TEE-1/red/front_raster.png', new Uint8Array(await sharp({ create: { width: 24, height: 32, channels: 3, background: '#808080' } }).png().toBuffer()));
      const lib = createLibrary(join(dir, 'lib'));
      const report = await importTree(lib, src);
      lib.close();
      expect(report.problems).toEqual([]);
      expect(report.materials).toEqual({ found: 1, assigned: 1 });
    });
    const { served, dir } = studio;
    // the studio's own test browser runs without a GPU (no WebGL): the 3D panel needs SwiftShader's
    webgl = await chromium.launch({ executablePath: chromiumPath(), args: ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', ...SWIFTSHADER_ARGS] });
    const page = await webgl.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = collectConsoleErrors(page);
    await page.goto(served.url);
    await page.getByTestId('garment-card').first().click({ button: 'right' });
    await expect.poll(() => page.getByTestId('model3d-material').textContent()).toContain('Material Red jersey (U3M)');
    for (const view of ['back', 'side', 'detail']) await page.getByTestId('model3d-panel').getByLabel(view, { exact: true }).uncheck();
    await page.getByTestId('model3d-kind').selectOption('raster');
    await page.getByTestId('model3d-render').click();
    await page.locator('[data-testid=model3d-done], [data-testid=model3d-panel] [role=alert]').first().waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('model3d-panel').getByRole('alert').allTextContents()).toEqual([]);
    expect(await page.getByTestId('model3d-done').textContent()).toContain('1 renders made, 1 new in the library.');
    await page.getByTestId('model3d-panel').screenshot({ path: artifactPath('render3d-u3m-panel.png') });
    const lib = openLibrary(join(dir, 'lib'), { readonly: true });
    const row = lib
      .sql<[], { hash: string; ext: string }>(
        `SELECT a.hash, a.ext FROM renders r JOIN assets a ON a.id = r.asset_id JOIN views v ON v.id = r.view_id
         WHERE r.kind = 'raster' AND r.renderer = 'r2r three.js raster' AND v.slug = 'front'`,
      )
      .get()!;
    const stored = await rgba(readFileSync(assetFile(lib, row.hash, row.ext)));
    lib.close();
    expect([stored.width, stored.height]).toEqual([768, 1024]);
    const mean = meanColour(stored);
    expect(mean.r).toBeGreaterThan(mean.g * 3);
    expect(mean.r).toBeGreaterThan(mean.b * 3);
    expect(errors).toEqual([]);
  }, 240_000);
});
