import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { appendFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExportJob, JOB_DIR_NAME, type ExportJobInput } from '../../../main/export/export-job';
import { JsonFileJobStore } from '../../../main/export/json-job-store';
import type { ExportJobParams } from '../../../main/export/job-store';
import { buildPlan, type ExportCandidate } from '../../../main/export/plan';
import { loadPreset, parsePreset } from '../../../main/export/presets';
import { jpegXmp } from '../../../main/export/metadata/jpeg-markers';
import { renderPng, tempDir } from './fixtures';

const smallPreset = parsePreset(
  { name: 'small', title: 'Small', canvas: { width: 160, height: 200 }, fill: 0.85, formats: ['jpeg'], naming: { template: '{sku}_{colorway}_{view}.{ext}' } },
  'test',
);

async function makeLibrary(count: number, corruptIndex?: number): Promise<{ dir: string; candidates: ExportCandidate[] }> {
  const dir = tempDir('r2r-renders-');
  const views = ['front', 'back', 'left'];
  const candidates: ExportCandidate[] = [];
  for (let i = 0; i < count; i++) {
    const sku = `SKU${String(Math.floor(i / 3)).padStart(3, '0')}`;
    const view = views[i % 3]!;
    const file = join(dir, `${sku}_${view}.png`);
    const png = await renderPng({ width: 60, height: 80, background: { r: 230, g: 230, b: 230 }, product: { left: 10 + (i % 5), top: 8, width: 30, height: 60 }, seed: i });
    writeFileSync(file, i === corruptIndex ? png.subarray(0, 60) : png);
    candidates.push({ sku, name: `Garment ${i}`, category: 'sweater', colorway: 'navy', view, kind: 'raytrace', sourcePath: file });
  }
  return { dir, candidates };
}

function params(outDir: string): ExportJobParams {
  return { library: '/lib', outDir, preset: 'small', presetSha256: 'x', format: 'jpeg', source: 'raytrace', selection: {}, generate: 'none' };
}

function input(outDir: string, candidates: ExportCandidate[], extra: Partial<ExportJobInput> = {}): ExportJobInput {
  return {
    params: params(outDir),
    preset: smallPreset,
    format: 'jpeg',
    store: new JsonFileJobStore(join(outDir, JOB_DIR_NAME)),
    candidates: () => candidates,
    creatorTool: 'test',
    ...extra,
  };
}

/** the files a user sees in the out folder (job state and nothing else hidden) */
function visibleFiles(outDir: string): string[] {
  return readdirSync(outDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes(JOB_DIR_NAME))
    .map((e) => join(e.parentPath, e.name).slice(outDir.length + 1))
    .sort();
}

describe('export plan', () => {
  it('is deterministic whatever the candidate order, with Amazon slots per SKU', () => {
    const c = (sku: string, view: string, colorway = 'red'): ExportCandidate => ({ sku, view, colorway, name: sku, category: 'coat', kind: 'realistic', sourcePath: `/r/${sku}${view}${colorway}` });
    const list = [c('B', 'left'), c('A', 'back'), c('A', 'front'), c('B', 'front'), c('A', 'left'), c('A', 'right'), c('B', 'back')];
    const amazon = loadPreset('amazon');
    const a = buildPlan(list, amazon, 'jpeg');
    const b = buildPlan([...list].reverse(), amazon, 'jpeg');
    expect(a).toEqual(b);
    expect(a.map((i) => i.file)).toEqual(['A.MAIN.jpg', 'A.BACK.jpg', 'A.PT01.jpg', 'A.PT02.jpg', 'B.MAIN.jpg', 'B.BACK.jpg', 'B.PT01.jpg']);
  });

  it('numbers colliding names and keeps existing files and report names free', () => {
    const c = (view: string, colorway: string): ExportCandidate => ({ sku: 'S', view, colorway, name: 'n', category: 'coat', kind: 'raster', sourcePath: '/x' });
    const files = buildPlan([c('front', 'a/b'), c('front', 'a_b'), c('front', 'A_B')], smallPreset, 'jpeg', ['S_a_b_front.jpg']).map((i) => i.file);
    // plan order is by code unit: 'A_B' < 'a/b' < 'a_b'
    expect(files).toEqual(['S_A_B_front_2.jpg', 'S_a_b_front_3.jpg', 'S_a_b_front_4.jpg']);
  });
});

describe('export job', () => {
  it('exports every item, records a corrupt source without stopping, and writes the report', async () => {
    const { candidates } = await makeLibrary(9, 4);
    const out = tempDir();
    const events: number[] = [];
    const summary = await runExportJob(input(out, candidates, { threads: 'workers', onProgress: (p) => events.push(p.finished) }));
    expect(summary).toMatchObject({ total: 9, done: 8, failed: 1, alreadyDone: 0, resumed: false, cancelled: false });
    expect(events).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const plan = buildPlan(candidates, smallPreset, 'jpeg');
    const bad = plan.find((i) => i.sourcePath === candidates[4]!.sourcePath)!;
    expect(visibleFiles(out)).toEqual([...plan.filter((i) => i !== bad).map((i) => i.file), 'export-report.html', 'export-report.json'].sort());
    for (const item of plan.filter((i) => i !== bad)) {
      const m = await sharp(join(out, item.file)).metadata();
      expect([m.format, m.width, m.height]).toEqual(['jpeg', 160, 200]);
      expect(jpegXmp(readFileSync(join(out, item.file)))).toContain('digitalsourcetype/digitalCreation');
    }
    const report = JSON.parse(readFileSync(join(out, 'export-report.json'), 'utf8'));
    expect(report).toMatchObject({ total: 9, done: 8, failed: 1, preset: 'small' });
    const failed = report.items.find((i: { outcome: { status: string } }) => i.outcome.status === 'failed');
    expect(failed.item.file).toBe(bad.file);
    expect(failed.outcome.error).toContain(candidates[4]!.sourcePath);
    const html = readFileSync(join(out, 'export-report.html'), 'utf8');
    expect(html.match(/<img src="data:image\/jpeg;base64,/g)).toHaveLength(8);
    expect(html).toContain('1 failed');
  });

  it('resumes a cancelled job with the same parameters: no duplicates, nothing redone', async () => {
    const { candidates } = await makeLibrary(12);
    const out = tempDir();
    const stop = new AbortController();
    const first = await runExportJob(input(out, candidates, { concurrency: 1, signal: stop.signal, onProgress: (p) => p.finished === 5 && stop.abort() }));
    expect(first).toMatchObject({ cancelled: true, done: 5 });
    expect(first.report).toBeUndefined();

    // leftovers of a kill: a temp file mid-write and a torn log line
    writeFileSync(join(out, '.deadbeef.123.abc.r2r-tmp'), 'partial');
    appendFileSync(join(out, JOB_DIR_NAME, first.jobId, 'outcomes.jsonl'), '{"index":7,"sta');

    const redone: number[] = [];
    const second = await runExportJob(input(out, candidates, { onProgress: (p) => redone.push(p.item.index) }));
    expect(second).toMatchObject({ jobId: first.jobId, resumed: true, alreadyDone: 5, done: 12, failed: 0, cancelled: false });
    expect(redone.sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    const plan = buildPlan(candidates, smallPreset, 'jpeg');
    expect(visibleFiles(out)).toEqual([...plan.map((i) => i.file), 'export-report.html', 'export-report.json'].sort());
  });

  it('keeps the plan of the first run even if the selection changes, and redoes a deleted file', async () => {
    const { candidates } = await makeLibrary(6);
    const out = tempDir();
    await runExportJob(input(out, candidates));
    const plan = buildPlan(candidates, smallPreset, 'jpeg');
    rmSync(join(out, plan[2]!.file));
    const again = await runExportJob(input(out, candidates.slice(0, 2)));
    expect(again).toMatchObject({ total: 6, alreadyDone: 5, done: 6 });
    expect(visibleFiles(out)).toContain(plan[2]!.file);
  });

  it('gives other parameters another job whose names avoid the first job\'s files', async () => {
    const { candidates } = await makeLibrary(3);
    const out = tempDir();
    const a = await runExportJob(input(out, candidates));
    const b = await runExportJob(input(out, candidates, { params: { ...params(out), source: 'raster' } }));
    expect(b.jobId).not.toBe(a.jobId);
    expect(visibleFiles(out).filter((f) => f.endsWith('_2.jpg'))).toHaveLength(3);
  });
});
