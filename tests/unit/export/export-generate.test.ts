import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { openLibrary } from '../../../main/catalog/library';
import { listGenerations } from '../../../main/catalog/queries/generations';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { exportFromLibrary } from '../../../main/export/library-export';
import { jpegXmp } from '../../../main/export/metadata/jpeg-markers';
import { tempDir } from './fixtures';
import { runExport } from '../support/run-export';

const VIEWS = ['front', 'back', 'left'];
const GARMENTS = 2;
const TOTAL = GARMENTS * VIEWS.length;

function generationsByStatus(library: string) {
  const lib = openLibrary(library);
  try {
    const all = listGenerations(lib);
    return { all, done: all.filter((g) => g.status === 'done'), running: all.filter((g) => g.status === 'running') };
  } finally {
    lib.close();
  }
}

describe('r2r export --generate (tiny demo model)', () => {
  let modelDir = '';
  let cacheDir = '';

  beforeAll(() => {
    const dir = tempDir('r2r-export-gen-');
    modelDir = join(dir, 'tiny-demo');
    cacheDir = join(dir, 'cache');
    writeDemoModel(modelDir, { seed: 5 });
  });

  it('killed while generating, the same command generates only what is left and exports every view once', async () => {
    const dir = tempDir('r2r-export-gen-lib-');
    const library = join(dir, 'lib');
    await writeSampleLibrary(library, { garments: GARMENTS, colorways: 1, views: VIEWS, width: 64, height: 80 });
    const out = join(dir, 'out');
    const args = ['--library', library, '--out', out, '--size', '1000', '--generate', 'missing', '--model', modelDir, '--gen-size', '64x96', '--steps', '10', '--cache-dir', cacheDir];

    const first = await runExport(args, (l) => l.event === 'generated' && (l.done as number) >= 2);
    expect(first.signal, first.stderr).toBe('SIGKILL');
    expect(first.lines[0]).toMatchObject({ event: 'generate-plan', total: TOTAL, alreadyGenerated: 0 });
    const afterKill = generationsByStatus(library);
    const generatedBefore = afterKill.done.length;
    expect(generatedBefore).toBeGreaterThanOrEqual(2);
    expect(generatedBefore).toBeLessThan(TOTAL);

    const second = await runExport(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.lines[0]).toMatchObject({ event: 'generate-plan', total: TOTAL - generatedBefore, alreadyGenerated: generatedBefore });
    expect(second.lines.filter((l) => l.event === 'generated')).toHaveLength(TOTAL - generatedBefore);
    const summary = second.lines.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', total: TOTAL, done: TOTAL, failed: 0, missing: 0 });

    // one finished generation per view, made from the raytraced render; a shot the kill
    // interrupted is marked failed, never left running
    const after = generationsByStatus(library);
    expect(after.done).toHaveLength(TOTAL);
    expect(after.running).toHaveLength(0);
    expect(new Set(after.done.map((g) => g.renderId)).size).toBe(TOTAL);
    for (const g of after.done) expect(g.params).toMatchObject({ mode: 'r2r', steps: 10, width: 64, height: 96, exportJob: summary.jobId });
    for (const g of after.all.filter((x) => x.status !== 'done')) expect(g).toMatchObject({ status: 'failed', error: expect.stringMatching(/interrupted/) });

    const files = readdirSync(out).filter((f) => f.endsWith('.jpg')).sort();
    expect(files).toHaveLength(TOTAL);
    const outputHashes = new Set(after.done.map((g) => g.output));
    const seenIds = new Set<string>();
    for (const f of files) {
      const bytes = readFileSync(join(out, f));
      const m = await sharp(bytes, { failOn: 'error' }).metadata();
      expect([m.format, m.width, m.height], f).toEqual(['jpeg', 1000, 1000]);
      const xmp = jpegXmp(bytes)!;
      expect(xmp, f).toContain('digitalsourcetype/trainedAlgorithmicMedia');
      expect(xmp, f).toMatch(/Steps: 10, Sampler: DDIM, CFG scale: 7\.5, Seed: 1, Size: 64x96, Model: tiny-demo, Denoising strength: 0\.3/);
      expect(outputHashes.has(/r2r:SourceSha256="([0-9a-f]{64})"/.exec(xmp)![1]!), f).toBe(true);
      seenIds.add(/R2R generation: (\d+)/.exec(xmp)![1]!);
    }
    expect(seenIds.size).toBe(TOTAL);

    // run again: the stored plan is complete, nothing is generated or written
    const third = await runExport(args);
    expect(third.code, third.stderr).toBe(0);
    expect(third.lines.some((l) => l.event === 'generated' || l.event === 'generate-plan')).toBe(false);
    expect(third.lines.at(-1)).toMatchObject({ event: 'summary', resumed: true, alreadyDone: TOTAL });
    expect(generationsByStatus(library).all).toHaveLength(after.all.length);
  }, 120_000);

  it('--generate all makes a new shot for every view even when one exists, and a cancel resumes without redoing', async () => {
    const dir = tempDir('r2r-export-gen-all-');
    const library = join(dir, 'lib');
    await writeSampleLibrary(library, { garments: 1, colorways: 1, views: VIEWS, width: 64, height: 80 });
    const request = {
      library,
      outDir: join(dir, 'out'),
      preset: 'shopify',
      size: 256,
      source: 'realistic' as const,
      selection: {},
      generate: 'missing' as 'missing' | 'all',
      generation: { modelDir, width: 64, height: 96, steps: 10, cacheDir, provider: 'cpu' },
      creatorTool: 'test',
    };
    const missing = await exportFromLibrary(request);
    expect(missing).toMatchObject({ done: VIEWS.length, generation: { planned: VIEWS.length, generated: VIEWS.length } });
    const firstIds = new Set(generationsByStatus(library).done.map((g) => g.id));

    const all = { ...request, generate: 'all' as const, outDir: join(dir, 'out-all') };
    const controller = new AbortController();
    const cancelled = await exportFromLibrary(all, { signal: controller.signal, onGenerate: () => controller.abort() });
    expect(cancelled).toMatchObject({ cancelled: true, total: 0, generation: { planned: VIEWS.length, generated: 1 } });

    const plans: { total: number; alreadyGenerated: number }[] = [];
    const resumed = await exportFromLibrary(all, { onGeneratePlan: (p) => plans.push(p) });
    expect(plans).toEqual([{ total: VIEWS.length - 1, alreadyGenerated: 1 }]);
    expect(resumed).toMatchObject({ cancelled: false, total: VIEWS.length, done: VIEWS.length, failed: 0 });
    const done = generationsByStatus(library).done;
    expect(done).toHaveLength(2 * VIEWS.length);
    // the export took the new shots, not the ones made by the first export
    const report = JSON.parse(readFileSync(join(dir, 'out-all', 'export-report.json'), 'utf8')) as { items: { item: { generation: { extra: Record<string, number> } } }[] };
    const exportedIds = report.items.map((x) => x.item.generation.extra['R2R generation']!);
    expect(exportedIds).toHaveLength(VIEWS.length);
    for (const id of exportedIds) expect(firstIds.has(id)).toBe(false);
  }, 120_000);
});
