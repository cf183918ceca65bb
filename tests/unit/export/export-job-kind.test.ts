import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createBackend, type Backend } from '../../../main/api/index';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import { jobKinds } from '../../../main/api/job-kinds';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import type { ExportJobParamsRecord, ExportJobResultRecord } from '../../../preload/api/export-types';
import { tempDir } from './fixtures';

const GARMENTS = 3;
const VIEWS = ['front', 'back', 'left', 'right', 'three-quarter'];

describe('the export job kind (through the backend API)', () => {
  let backend: Backend;
  let library = '';

  beforeAll(async () => {
    library = join(tempDir('r2r-export-kind-'), 'lib');
    await writeSampleLibrary(library, { garments: GARMENTS, colorways: 2, views: VIEWS, width: 96, height: 128 });
    backend = createBackend({ jobKinds, jobWorker: inlineWorkerFactory(jobKinds), library });
  });
  afterAll(() => backend?.close());

  it('lists the built-in presets with what each does', async () => {
    const presets = await backend.api.exports.presets();
    expect(presets.map((p) => p.name)).toEqual(['amazon', 'shopify', 'zalando']);
    const amazon = presets.find((p) => p.name === 'amazon')!;
    // Amazon's main-image rules (issue 8): white, 85% fill, 1000 px minimum, JPEG, <SKU>.MAIN.jpg
    expect(amazon).toMatchObject({ canvas: { width: 2000, height: 2000 }, minLongestSide: 1000, fill: 0.85, formats: ['jpeg'] });
    expect(amazon.naming).toContain('{sku}');
    expect(presets.find((p) => p.name === 'zalando')!.canvas).toEqual({ width: 1801, height: 2600 });
  });

  it('refuses bad parameters when submitted, naming the field', async () => {
    const base: ExportJobParamsRecord = { library, outDir: join(tempDir(), 'out'), preset: 'amazon', source: 'raytrace', selection: {} };
    await expect(backend.api.jobs.submit('export', { ...base, outDir: 'relative/out' })).rejects.toThrow(/param outDir: the out folder must be an absolute path/);
    await expect(backend.api.jobs.submit('export', { ...base, source: 'realistic', generate: 'missing' })).rejects.toThrow(/param model: generating missing shots needs a model folder/);
    await expect(backend.api.jobs.submit('export', { ...base, selection: { sku: 'x' } })).rejects.toThrow(/param selection/);
  });

  it('exports the selection with progress; cancelled, the same parameters resume it', async () => {
    const outDir = join(tempDir('r2r-export-kind-out-'), 'out');
    // one colorway by name, as the library view's colorway filter
    const lib = backend.library.require();
    const colorway = (lib.raw.prepare('SELECT name FROM colorways ORDER BY id LIMIT 1').get() as { name: string }).name;
    const matching = (lib.raw.prepare("SELECT COUNT(*) AS n FROM renders r JOIN colorways c ON c.id = r.colorway_id WHERE c.name = ? COLLATE NOCASE AND r.kind = 'raytrace'").get(colorway) as { n: number }).n;
    expect(matching).toBeGreaterThan(0);
    const params: ExportJobParamsRecord = { library, outDir, preset: 'amazon', size: 1000, source: 'raytrace', selection: { colorway } };

    const progress: { step: number; total: number }[] = [];
    let cancelledId = '';
    const off = backend.events.subscribe((e) => {
      if (e.type !== 'job.progress' || e.payload.id !== cancelledId) return;
      progress.push(e.payload.progress);
      // cancel once the first file is out (the one being rendered beside it still finishes)
      if (e.payload.progress.step === 1 && e.payload.progress.total === matching) void backend.api.jobs.cancel(cancelledId);
    });
    cancelledId = await backend.api.jobs.submit('export', params);
    const first = await backend.jobs.whenSettled(cancelledId);
    off();
    expect(first.state).toBe('cancelled');
    const partial = readdirSync(outDir).filter((f) => f.endsWith('.jpg'));
    expect(partial.length).toBeGreaterThanOrEqual(1);
    expect(partial.length).toBeLessThan(matching);
    expect(progress.every((p) => p.total === matching)).toBe(true);

    const id = await backend.api.jobs.submit('export', params);
    const done = await backend.jobs.whenSettled(id);
    expect(done.state, JSON.stringify(done.error)).toBe('done');
    const result = done.result as ExportJobResultRecord;
    expect(result).toMatchObject({ resumed: true, total: matching, done: matching, failed: 0, outDir });
    expect(result.alreadyDone).toBe(partial.length);
    expect(done.progress).toMatchObject({ step: matching, total: matching });

    const files = readdirSync(outDir).filter((f) => f.endsWith('.jpg'));
    expect(files).toHaveLength(matching);
    const m = await sharp(readFileSync(join(outDir, files[0]!)), { failOn: 'error' }).metadata();
    expect([m.format, m.width, m.height]).toEqual(['jpeg', 1000, 1000]);
    expect(readFileSync(result.report!.html, 'utf8')).toContain('<html');
  }, 60_000);

  it('generates the missing shots with a model folder, then exports them', async () => {
    const dir = tempDir('r2r-export-kind-gen-');
    const small = join(dir, 'lib');
    await writeSampleLibrary(small, { garments: 1, colorways: 1, views: ['front', 'back'], width: 64, height: 96 });
    writeDemoModel(join(dir, 'tiny-demo'), { seed: 5 });
    const params: ExportJobParamsRecord = {
      library: small,
      outDir: join(dir, 'out'),
      preset: 'shopify',
      size: 256,
      source: 'realistic',
      selection: {},
      generate: 'missing',
      model: join(dir, 'tiny-demo'),
      genWidth: 64,
      genHeight: 96,
      steps: 10,
    };
    const messages: string[] = [];
    const off = backend.events.subscribe((e) => {
      if (e.type === 'job.progress' && e.payload.progress.message) messages.push(e.payload.progress.message);
    });
    const id = await backend.api.jobs.submit('export', params);
    const done = await backend.jobs.whenSettled(id);
    off();
    expect(done.state, JSON.stringify(done.error)).toBe('done');
    expect(done.result).toMatchObject({ total: 2, done: 2, failed: 0, missing: 0, generation: { planned: 2, generated: 2, failed: 0 } });
    expect(messages.filter((m) => m.startsWith('generated '))).toHaveLength(2);
    expect(readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.jpg'))).toHaveLength(2);
  }, 60_000);
});
