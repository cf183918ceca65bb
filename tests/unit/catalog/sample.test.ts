import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { compileLayout } from '../../../main/catalog/import/layout';
import { openLibrary } from '../../../main/catalog/library';
import { getGarment, searchGarments } from '../../../main/catalog/queries/garments';
import { BACKGROUND, renderGarmentImage } from '../../../main/catalog/sample/render';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { writeSampleTree } from '../../../main/catalog/sample/sample-tree';
import { denim, floral, knit, plaid } from '../../../main/catalog/sample/textiles';
import type { Textile } from '../../../main/catalog/sample/textiles';
import { tempDir } from './helpers';

const files = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.png')).sort();

function luminance(t: Textile, u: number, v: number): number {
  const [r, g, b] = t(u, v);
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** correlation of the textile's luminance with itself shifted by (du, dv) */
function correlation(t: Textile, du: number, dv: number, pts: Array<[number, number]>): number {
  const a = pts.map(([u, v]) => luminance(t, u, v));
  const b = pts.map(([u, v]) => luminance(t, u + du, v + dv));
  const mean = (x: number[]) => x.reduce((s, y) => s + y, 0) / x.length;
  const ma = mean(a);
  const mb = mean(b);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

const grid: Array<[number, number]> = [];
for (let y = 0; y < 60; y++) for (let x = 0; x < 60; x++) grid.push([x * 1.5 + 0.1, y * 1.5 + 0.1]);

async function rawRgb(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

describe('procedural textiles', () => {
  it('denim twill runs diagonally and is indigo', () => {
    const t = denim([38, 58, 112], 1);
    expect(correlation(t, 1.5, -1.5, grid)).toBeGreaterThan(0.5);
    expect(correlation(t, 1.5, 1.5, grid)).toBeLessThan(0.1);
    const [r, , b] = t(10, 10);
    expect(b).toBeGreaterThan(r);
  });

  it('knit repeats with its stitch width, and plaid with its sett', () => {
    const k = knit([170, 170, 170], 2, 9);
    expect(correlation(k, 9, 0, grid)).toBeGreaterThan(0.6);
    expect(correlation(k, 4.5, 0, grid)).toBeLessThan(0.2);
    const red: [number, number, number] = [200, 20, 20];
    const blue: [number, number, number] = [20, 20, 200];
    const p = plaid([[red, 10], [blue, 6]], 3);
    // sett 10+6 mirrored: period 32 in both directions
    expect(correlation(p, 32, 0, grid)).toBeGreaterThan(0.8);
    expect(correlation(p, 0, 32, grid)).toBeGreaterThan(0.8);
  });

  it('floral prints blossoms over part of the ground', () => {
    const ground: [number, number, number] = [20, 30, 70];
    const f = floral(ground, [240, 240, 240], [240, 200, 60], 4);
    let petals = 0;
    for (const [u, v] of grid) if (f(u * 3, v * 3)[0] > 120) petals++;
    expect(petals / grid.length).toBeGreaterThan(0.08);
    expect(petals / grid.length).toBeLessThan(0.6);
  });
});

describe('sample garment images', () => {
  it('draws a flat raster look and a soft-shadowed ray-traced look of the same garment', async () => {
    const spec = { family: 'tee' as const, textile: knit([128, 28, 44], 5), view: 'front', width: 120, height: 150, seed: 5 };
    const raster = await rawRgb(await renderGarmentImage({ ...spec, look: 'raster' }));
    const traced = await rawRgb(await renderGarmentImage({ ...spec, look: 'raytrace' }));
    expect([raster.width, raster.height, traced.width, traced.height]).toEqual([120, 150, 120, 150]);
    const isBackground = (d: Buffer, i: number) => d[i] === BACKGROUND[0] && d[i + 1] === BACKGROUND[1] && d[i + 2] === BACKGROUND[2];
    let rasterBg = 0;
    let shadowed = 0;
    let ink = 0;
    for (let i = 0; i < raster.data.length; i += 3) {
      if (isBackground(raster.data, i)) {
        rasterBg++;
        // where the raster shows backdrop, the traced image shows backdrop or its shadow, never lighter
        if (traced.data[i]! < BACKGROUND[0] - 3) shadowed++;
        expect(traced.data[i]!).toBeLessThanOrEqual(BACKGROUND[0]);
      }
      if (raster.data[i] === 34 && raster.data[i + 1] === 34 && raster.data[i + 2] === 38) ink++;
    }
    expect(rasterBg / (120 * 150)).toBeGreaterThan(0.3);
    expect(shadowed).toBeGreaterThan(100);
    expect(ink).toBeGreaterThan(100);
    // light falls from the upper left: on plain cloth the left flank is lit, the right one turned away
    const plain = { ...spec, textile: (): [number, number, number] => [200, 200, 200] };
    const flat = await rawRgb(await renderGarmentImage({ ...plain, look: 'raster' }));
    const lit = await rawRgb(await renderGarmentImage({ ...plain, look: 'raytrace' }));
    let left = 0;
    let right = 0;
    for (let y = 50; y < 130; y++) {
      const row = Array.from({ length: 120 }, (_, x) => !isBackground(flat.data, (y * 120 + x) * 3));
      const first = row.indexOf(true);
      const last = row.lastIndexOf(true);
      for (let k = 3; k < 8; k++) {
        left += lit.data[(y * 120 + first + k) * 3]!;
        right += lit.data[(y * 120 + last - k) * 3]!;
      }
    }
    expect(left).toBeGreaterThan(right * 1.1);
  });

  it('writes a deterministic tree in the importer layout, every view twice', async () => {
    const opts = { seed: 11, garments: 3, colorways: 2, width: 64, height: 80, views: ['front', 'left'] };
    const a = tempDir();
    const tree = await writeSampleTree(a, opts);
    expect(tree.images).toBe(3 * 2 * 2 * 2);
    const list = files(a);
    expect(list).toHaveLength(24);
    const layout = compileLayout();
    expect(list.every((f) => layout.match(f) !== undefined)).toBe(true);
    for (const g of tree.garments) {
      for (const cw of g.colorways) {
        for (const view of ['front', 'left']) {
          expect(list).toContain(`${g.category}/${g.sku}/${cw}/${view}_raster.png`);
          expect(list).toContain(`${g.category}/${g.sku}/${cw}/${view}_raytrace.png`);
        }
      }
    }
    expect(new Set(tree.garments.map((g) => g.category)).size).toBe(3);
    const b = tempDir();
    await writeSampleTree(b, opts);
    expect(list.every((f) => readFileSync(join(a, f)).equals(readFileSync(join(b, f))))).toBe(true);
    const c = tempDir();
    await writeSampleTree(c, { ...opts, seed: 12 });
    expect(files(c).some((f) => list.includes(f) && !readFileSync(join(a, f)).equals(readFileSync(join(c, f))))).toBe(true);
  });

  it('fills a library through the importer', async () => {
    const dir = join(tempDir(), 'sample');
    const result = await writeSampleLibrary(dir, { garments: 4, colorways: 2, width: 48, height: 60, views: ['front', 'back', 'three-quarter'] });
    expect(result.report.problems).toEqual([]);
    expect(result.report.renders.added).toBe(4 * 2 * 3 * 2);
    const lib = openLibrary(dir);
    expect(searchGarments(lib).total).toBe(4);
    const jeans = searchGarments(lib, { category: 'jeans', kind: 'raytrace' });
    expect(jeans.total).toBe(1);
    expect(jeans.garments[0]!.renders).toHaveLength(2 * 3);
    const g = getGarment(lib, jeans.garments[0]!.sku);
    expect(g.tags).toContain('denim');
    expect(g.views.map((v) => v.slug)).toEqual(['front', 'back', 'three-quarter']);
    lib.close();
  });
});
