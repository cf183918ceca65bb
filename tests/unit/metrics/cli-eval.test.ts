import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createLibrary } from '../../../main/catalog/library';
import { getGarment, searchGarments } from '../../../main/catalog/queries/garments';
import { insertGeneration, storeGenerationOutput } from '../../../main/catalog/queries/generations';
import { setMask } from '../../../main/catalog/queries/masks';
import { importTree } from '../../../main/catalog/import/importer';
import { writeSampleTree } from '../../../main/catalog/sample/sample-tree';
import { runCli } from '../../../main/cli/index';
import { cliIo as io } from '../support/cli-io';
import { measurePair } from '../../../main/metrics/measure-pair';
import { channelMeanFeatureModel, meanSquaredPairModel } from './tiny-onnx';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

let dir: string;
let libDir: string;
let maskedGeneration: { source: string; output: string; mask: string; id: number };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'r2r-eval-'));
  const tree = path.join(dir, 'tree');
  await writeSampleTree(tree, { garments: 1, colorways: 1, width: 64, height: 80, views: ['front', 'back'] });
  // two "photos": the ray-traced renders under the photo kind
  for (const f of filesUnder(tree).filter((f) => f.endsWith('_raytrace.png'))) copyFileSync(f, f.replace('_raytrace.png', '_photo.png'));
  libDir = path.join(dir, 'lib');
  const lib = createLibrary(libDir);
  await importTree(lib, tree);
  const g = getGarment(lib, searchGarments(lib).garments[0].id);
  const render = (kind: string, view: string) => {
    const r = g.renders.find((x) => x.kind === kind && x.view === view);
    if (!r) throw new Error(`no ${kind} ${view} render`);
    return r;
  };
  const generate = async (r: { id: number; path: string }, params: Record<string, unknown>, blur: number, size?: [number, number]) => {
    const gen = insertGeneration(lib, { source: { renderId: r.id }, model: 'test', params, seed: 1 });
    let img = sharp(path.join(libDir, r.path)).blur(blur);
    if (size) img = img.resize(size[0], size[1]);
    return storeGenerationOutput(lib, gen.id, await img.png().toBuffer());
  };
  const rasterFront = render('raster', 'front');
  const raytraceFront = render('raytrace', 'front');
  const maskPng = await sharp({ create: { width: 64, height: 80, channels: 3, background: '#000' } })
    .composite([{ input: await sharp({ create: { width: 40, height: 50, channels: 3, background: '#fff' } }).png().toBuffer(), left: 12, top: 15 }])
    .png()
    .toBuffer();
  const mask = await setMask(lib, rasterFront.id, 'garment', maskPng);
  const first = await generate(rasterFront, { tacRatio: 0.5, strength: 0.3 }, 1.5);
  await generate(rasterFront, { tacRatio: 0.9, strength: 0.3 }, 0.6);
  await generate(rasterFront, { tacRatio: 0.9, strength: 0.5 }, 1.0);
  await generate(raytraceFront, { tac_ratio: 0.5, strength: 0.3 }, 1.2);
  await generate(raytraceFront, { tac_ratio: 0.9, strength: 0.3 }, 0.5);
  await generate(render('raster', 'back'), { tacRatio: 0.9, strength: 0.3 }, 1, [32, 40]);
  maskedGeneration = { source: path.join(libDir, rasterFront.path), output: path.join(libDir, first.outputPath as string), mask: path.join(libDir, mask.path), id: first.id };
  lib.close();
  writeFileSync(path.join(dir, 'pair.onnx'), meanSquaredPairModel());
  writeFileSync(path.join(dir, 'inc.onnx'), channelMeanFeatureModel(Float32Array.from({ length: 3 * 2048 }, (_, i) => Math.sin(i)), 2048));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('r2r eval', () => {
  it('reports every output against its render, sweeps, LPIPS and KID, as JSON and HTML', async () => {
    const t = io();
    const html = path.join(dir, 'report.html');
    const args = ['eval', '--library', libDir, '--json', '--html', html, '--lpips', path.join(dir, 'pair.onnx'), '--inception', path.join(dir, 'inc.onnx'), '--inception-input', 'unit'];
    expect(await runCli(args, t.io)).toBe(0);
    const report = JSON.parse(t.out());
    expect(report.counts).toEqual({ outputs: 5, shots: 1, raster: 3, raytrace: 2 });
    expect(report.skipped).toEqual([expect.objectContaining({ reason: expect.stringMatching(/is 64x80 but .* is 32x40/) })]);
    expect(report.metrics).toContain('lpips');
    expect(report.metrics).toContain('masked_ssim_luma');
    // the masked output matches measuring its files directly
    const rec = report.records.find((r: { generation: number }) => r.generation === maskedGeneration.id);
    const direct = await measurePair(maskedGeneration);
    expect(rec.metrics.masked_ssim_luma).toBeCloseTo(direct.masked_ssim_luma as number, 12);
    expect(rec.metrics.energy_correlation).toBeCloseTo(direct.energy_correlation as number, 12);
    expect(rec).toMatchObject({ source: 'raster', tacRatio: 0.5, strength: 0.3 });
    // sweeps: both kinds across TAC at strength 0.3; raster across strength at TAC 0.9
    expect(report.sweeps.tac_ratio.map((s: { source: string; fixed: number }) => [s.source, s.fixed])).toEqual([
      ['raster', 0.3],
      ['raytrace', 0.3],
    ]);
    expect(report.sweeps.strength.map((s: { source: string; fixed: number }) => [s.source, s.fixed])).toEqual([['raster', 0.9]]);
    expect(report.kid.map((k: { set: string; n: number }) => [k.set, k.n])).toEqual([
      ['rasterised renders', 2],
      ['ray-traced renders', 2],
      ['realistic, from rasterised', 4], // KID resizes, so the odd-sized output counts here
      ['realistic, from ray-traced', 2],
    ]);
    expect(existsSync(html)).toBe(true);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('Across TAC ratio');
    expect(page).toContain('KID');
    expect(page).toContain('Left out');
  });

  it('prints a summary for people', async () => {
    const t = io();
    expect(await runCli(['eval', '--library', libDir], t.io)).toBe(0);
    expect(t.out()).toMatch(/5 outputs of 1 shots .*\(1 could not be measured\)/);
    expect(t.out()).toMatch(/rasterised -> realistic \(3\): SSIM RGB 0\.\d{4}/);
  });

  it('asks for the input range of a KID network and refuses unknown mask purposes', async () => {
    const t = io();
    expect(await runCli(['eval', '--library', libDir, '--inception', path.join(dir, 'inc.onnx')], t.io)).toBe(1);
    expect(t.err()).toMatch(/--inception needs --inception-input/);
    const u = io();
    expect(await runCli(['eval', '--library', libDir, '--mask', 'hat'], u.io)).toBe(1);
    expect(u.err()).toMatch(/--mask must be one of edit, texture-lock, garment, got 'hat'/);
  });
});
