import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../../../main/cli/index';
import { openLibrary } from '../../../main/catalog/library';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { insertGeneration, storeGenerationOutput } from '../../../main/catalog/queries/generations';
import { getGarment } from '../../../main/catalog/queries/garments';
import { readPngText } from '../../../main/export/metadata/png-chunks';
import { writeFileSync } from 'node:fs';
import { jpegXmp } from '../../../main/export/metadata/jpeg-markers';
import { tempDir } from './fixtures';
import { cliIo as io } from '../support/cli-io';
import { runExport } from '../support/run-export';

const GARMENTS = 4;
const COLORWAYS = 2;
const VIEWS = ['front', 'back', 'left', 'right', 'three-quarter'];

function outputFiles(out: string): string[] {
  return readdirSync(out, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(out.length + 1))
    .sort();
}

describe('r2r export (child process, SIGKILL, resume)', () => {
  let library = '';
  let skus: string[] = [];
  let raytraceHashes = new Set<string>();

  beforeAll(async () => {
    library = join(tempDir('r2r-export-lib-'), 'lib');
    const sample = await writeSampleLibrary(library, { garments: GARMENTS, colorways: COLORWAYS, views: VIEWS, width: 192, height: 256 });
    skus = sample.tree.garments.map((g) => g.sku);
    const lib = openLibrary(library);
    try {
      const rows = lib.raw.prepare("SELECT a.hash FROM renders r JOIN assets a ON a.id = r.asset_id WHERE r.kind = 'raytrace'").all() as { hash: string }[];
      raytraceHashes = new Set(rows.map((r) => r.hash));
    } finally {
      lib.close();
    }
  });

  it('killed half-way (and again right after resuming), the same command finishes with every file exactly once', async () => {
    const out = tempDir('r2r-export-out-');
    const args = ['--library', library, '--out', out, '--preset', 'amazon', '--size', '1000', '--source', 'raytrace'];
    const total = GARMENTS * COLORWAYS * VIEWS.length;

    const first = await runExport(args, (l) => l.event === 'item' && (l.finished as number) >= total / 2);
    expect(first.signal).toBe('SIGKILL');
    expect(first.lines[0]).toMatchObject({ event: 'plan', total, alreadyDone: 0, resumed: false });
    expect(first.lines.some((l) => l.event === 'summary')).toBe(false);
    const afterKill = outputFiles(out).filter((f) => f.endsWith('.jpg'));
    expect(afterKill.length).toBeGreaterThanOrEqual(total / 2);
    expect(afterKill.length).toBeLessThan(total);

    const second = await runExport(args, (l) => l.event === 'item');
    expect(second.signal).toBe('SIGKILL');
    const plan2 = second.lines[0]!;
    expect(plan2).toMatchObject({ event: 'plan', total, resumed: true });
    expect(plan2.alreadyDone as number).toBeGreaterThanOrEqual(total / 2);

    const third = await runExport(args);
    expect(third.code, third.stderr).toBe(0);
    const summary = third.lines.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', total, done: total, failed: 0, resumed: true, cancelled: false });
    // items finished by the killed runs are not made again
    const redone = third.lines.filter((l) => l.event === 'item').length;
    expect(redone).toBe(total - (summary.alreadyDone as number));

    // the expected names, worked out here from Amazon's rule: per SKU, colorway by colorway,
    // front of the first colorway MAIN, its back BACK, the other 8 views PT01..PT08
    const expected = skus.flatMap((sku) => [`${sku}.MAIN.jpg`, `${sku}.BACK.jpg`, ...Array.from({ length: 8 }, (_, i) => `${sku}.PT0${i + 1}.jpg`)]);
    const files = outputFiles(out).filter((f) => !f.startsWith('.r2r-export'));
    expect(files).toEqual([...expected, 'export-report.html', 'export-report.json'].sort());
    const seenSources = new Set<string>();
    for (const f of expected) {
      const bytes = readFileSync(join(out, f));
      const img = sharp(bytes, { failOn: 'error' });
      const m = await img.metadata();
      expect([m.format, m.width, m.height, m.space], f).toEqual(['jpeg', 1000, 1000, 'srgb']);
      const { data } = await img.raw().toBuffer({ resolveWithObject: true });
      expect([data[0], data[1], data[2]], f).toEqual([255, 255, 255]);
      const xmp = jpegXmp(bytes)!;
      expect(xmp).toContain('digitalsourcetype/digitalCreation');
      seenSources.add(/r2r:SourceSha256="([0-9a-f]{64})"/.exec(xmp)![1]!);
    }
    // every raytrace render of the library went out once
    expect(seenSources).toEqual(raytraceHashes);

    const report = JSON.parse(readFileSync(join(out, 'export-report.json'), 'utf8'));
    expect(report).toMatchObject({ total, done: total, failed: 0, preset: 'amazon' });
    for (const { item, outcome } of report.items) {
      expect(outcome.sha256).toBe(createHash('sha256').update(readFileSync(join(out, item.file))).digest('hex'));
    }

    const lib = openLibrary(library);
    try {
      // one job for the three runs of the same command, finished, every item done
      const jobs = lib.raw.prepare('SELECT id, finished_at FROM export_jobs WHERE params LIKE ?').all(`%${out}%`) as { id: string; finished_at: string | null }[];
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.id).toBe(summary.jobId);
      expect(jobs[0]!.finished_at).toBeTruthy();
      const counts = lib.raw.prepare('SELECT status, count(*) AS n FROM export_items WHERE job_id = ? GROUP BY status').all(summary.jobId);
      expect(counts).toEqual([{ status: 'done', n: total }]);
    } finally {
      lib.close();
    }
  });


  it('stops cleanly on SIGINT (exit 130, no report) and the same command then completes', async () => {
    const out = tempDir('r2r-export-int-');
    const args = ['--library', library, '--out', out, '--preset', 'shopify', '--size', '600', '--format', 'webp', '--source', 'raster'];
    const total = GARMENTS * COLORWAYS * VIEWS.length;
    const first = await runExport(args, (l) => l.event === 'item' && (l.finished as number) >= 3, 'SIGINT');
    expect(first.code).toBe(130);
    expect(first.lines.at(-1)).toMatchObject({ event: 'cancelled', cancelled: true });
    expect(outputFiles(out).some((f) => f.startsWith('export-report'))).toBe(false);
    expect(outputFiles(out).some((f) => f.endsWith('.r2r-tmp'))).toBe(false);
    const second = await runExport(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.lines.at(-1)).toMatchObject({ event: 'summary', total, done: total, resumed: true });
    const images = outputFiles(out).filter((f) => f.endsWith('.webp'));
    expect(images).toHaveLength(total);
    const m = await sharp(join(out, images[0]!)).metadata();
    expect([m.format, m.width, m.height]).toEqual(['webp', 600, 600]);
  });
});

describe('r2r export --source realistic', () => {
  it('exports the latest finished generation of each view with A1111 parameters and the AI disclosure', async () => {
    const dir = tempDir('r2r-export-gen-');
    const library = join(dir, 'lib');
    const sample = await writeSampleLibrary(library, { garments: 1, colorways: 1, views: ['front', 'back'], width: 96, height: 128 });
    const sku = sample.tree.garments[0]!.sku;
    const lib = openLibrary(library);
    let outputHash = '';
    try {
      const front = getGarment(lib, sku).renders.find((r) => r.view === 'front' && r.kind === 'raytrace')!;
      const params = { steps: 50, strength: 0.3, guidance: 7.5, tacRatio: 0.9, inversion: 'official', prompt: '', negative: '<r2r-rendered>', width: 768, height: 1024 };
      // an older generation of the same view, then the one that counts
      for (const seed of [3, 7]) {
        const g = insertGeneration(lib, { source: { renderId: front.id }, model: 'tiny-demo', params, seed, status: 'running' });
        const done = await storeGenerationOutput(lib, g.id, await sharp(readFileSync(join(library, front.path))).modulate({ brightness: 1 + seed / 100 }).png().toBuffer());
        outputHash = done.output!;
      }
    } finally {
      lib.close();
    }
    const presetFile = join(dir, 'png.json');
    writeFileSync(presetFile, JSON.stringify({ name: 'png-shop', title: 'PNG shop', canvas: { width: 300, height: 400 }, fill: 0.9, formats: ['png'], naming: { template: '{sku}_{view}_{kind}.{ext}' } }));
    const out = join(dir, 'out');
    const t = io();
    expect(await runCli(['export', '--library', library, '--out', out, '--preset', presetFile, '--json'], t.io), t.err()).toBe(0);
    const lines = t.out().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ event: 'plan', total: 1 });
    expect(lines.at(-1)).toMatchObject({ event: 'summary', total: 1, done: 1, missing: 1 });
    const file = join(out, `${sku}_front_realistic.png`);
    const text = readPngText(readFileSync(file));
    expect(text.find((x) => x.keyword === 'parameters')!.text).toMatch(
      /^\nNegative prompt: <r2r-rendered>\nSteps: 50, Sampler: DDIM, CFG scale: 7\.5, Seed: 7, Size: 768x1024, Model: tiny-demo, Denoising strength: 0\.3, Inversion: official, TAC ratio: 0\.9, R2R generation: \d+$/,
    );
    const xmp = text.find((x) => x.keyword === 'XML:com.adobe.xmp')!.text;
    expect(xmp).toContain('digitalsourcetype/trainedAlgorithmicMedia');
    expect(xmp).toContain(`r2r:SourceSha256="${outputHash}"`);
    expect(JSON.parse(text.find((x) => x.keyword === 'r2r')!.text)).toMatchObject({ kind: 'realistic', generation: { seed: 7, model: 'tiny-demo' } });
  });

  it('says how to go on when the selection has no generated shot', async () => {
    const dir = tempDir('r2r-export-none-');
    await writeSampleLibrary(join(dir, 'lib'), { garments: 1, colorways: 1, views: ['front'], width: 64, height: 96 });
    const t = io();
    expect(await runCli(['export', '--library', join(dir, 'lib'), '--out', join(dir, 'out')], t.io)).toBe(1);
    expect(t.err()).toMatch(/none of the 1 selected garment view\(s\) .* has a generated \(realistic\) shot/);
    expect(t.err()).toMatch(/--source raytrace/);
  });
});

describe('r2r export errors', () => {
  it('refuses --generate without a model, with a non-realistic source, or with a bad --gen-size', async () => {
    const t = io();
    expect(await runCli(['export', '--library', '/nowhere', '--out', tempDir(), '--generate', 'missing'], t.io)).toBe(1);
    expect(t.err()).toMatch(/--generate missing needs --model <dir>/);
    const u = io();
    expect(await runCli(['export', '--library', '/nowhere', '--out', tempDir(), '--generate', 'all', '--model', '/m', '--source', 'raster'], u.io)).toBe(1);
    expect(u.err()).toMatch(/generated shots are exported as the realistic source, but the source is raster/);
    const v = io();
    expect(await runCli(['export', '--library', '/nowhere', '--out', tempDir(), '--generate', 'all', '--model', '/m', '--gen-size', '100x7'], v.io)).toBe(1);
    expect(v.err()).toMatch(/--gen-size must be WIDTHxHEIGHT/);
  });

  it('names a bad preset field and a wrong option value', async () => {
    const t = io();
    expect(await runCli(['export', '--library', '/nowhere', '--out', tempDir(), '--preset', 'amazon', '--size', '800'], t.io)).toBe(1);
    expect(t.err()).toMatch(/--size 800 is under the Amazon minimum of 1000 px/);
    const u = io();
    expect(await runCli(['export', '--library', '/nowhere', '--out', tempDir(), '--source', 'photo'], u.io)).toBe(1);
    expect(u.err()).toMatch(/--source must be one of realistic, raytrace, raster/);
  });
});
