import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_DIR_NAME, runExportJob, type ExportJobInput } from '../../../main/export/export-job';
import { JsonFileJobStore } from '../../../main/export/json-job-store';
import type { ExportCandidate } from '../../../main/export/plan';
import { parsePreset } from '../../../main/export/presets';
import { isUserError } from '../../../main/common/errors';
import { renderPng, tempDir } from '../export/fixtures';
import { snapshot } from './file-snapshot';

// one folder per SKU, so a link planted as a SKU folder is on the write path
const preset = parsePreset(
  { name: 'small', title: 'Small', canvas: { width: 80, height: 100 }, fill: 0.85, formats: ['jpeg'], naming: { template: '{sku}/{view}.{ext}' } },
  'test',
);

async function renders(skus: string[]): Promise<ExportCandidate[]> {
  const dir = tempDir('r2r-renders-');
  const out: ExportCandidate[] = [];
  for (const [i, sku] of skus.entries()) {
    const file = join(dir, `${sku}.png`);
    writeFileSync(file, await renderPng({ width: 40, height: 50, background: { r: 235, g: 235, b: 235 }, product: { left: 8, top: 6, width: 20, height: 36 }, seed: i }));
    out.push({ sku, name: sku, category: 'coat', colorway: 'navy', view: 'front', kind: 'raytrace', sourcePath: file });
  }
  return out;
}

function job(outDir: string, candidates: ExportCandidate[]): ExportJobInput {
  return {
    params: { library: '/lib', outDir, preset: 'small', presetSha256: 'x', format: 'jpeg', source: 'raytrace', selection: {}, generate: 'none' },
    preset,
    format: 'jpeg',
    store: new JsonFileJobStore(join(outDir, JOB_DIR_NAME)),
    candidates: () => candidates,
    creatorTool: 'test',
    threads: 'inline',
  };
}

function userFolder() {
  const dir = join(tempDir('r2r-user-'), 'user');
  mkdirSync(dir);
  writeFileSync(join(dir, 'front.jpg'), 'the user\'s own photo');
  return { dir, before: snapshot(dir) };
}

describe('an export writes only inside --out', () => {
  it('fails the items behind a SKU folder link planted in the out folder and exports the rest inside it', async () => {
    const user = userFolder();
    const out = tempDir();
    symlinkSync(user.dir, join(out, 'A'));
    const summary = await runExportJob(job(out, await renders(['A', 'B'])));
    expect([summary.done, summary.failed]).toEqual([1, 1]);
    expect(lstatSync(join(out, 'B', 'front.jpg')).isFile()).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'export-report.json'), 'utf8')) as { items: { outcome: { status: string; error?: string } }[] };
    expect(report.items.find((i) => i.outcome.status === 'failed')!.outcome.error).toMatch(/refusing to write .*A\/front\.jpg: .*A leads to .*user; R2R Studio writes only inside/);
    expect(snapshot(user.dir)).toEqual(user.before);
    expect(readdirSync(user.dir)).toEqual(['front.jpg']);
  });

  it('never replaces or writes through a file link planted under an export name', async () => {
    const user = userFolder();
    const out = tempDir();
    mkdirSync(join(out, 'A'));
    symlinkSync(join(user.dir, 'front.jpg'), join(out, 'A', 'front.jpg'));
    const summary = await runExportJob(job(out, await renders(['A'])));
    // the name was taken, so the plan numbers the new file; the link stays a link to untouched bytes
    expect(summary.done).toBe(1);
    expect(lstatSync(join(out, 'A', 'front.jpg')).isSymbolicLink()).toBe(true);
    expect(readdirSync(join(out, 'A')).sort()).toEqual(['front.jpg', 'front_2.jpg']);
    expect(snapshot(user.dir)).toEqual(user.before);
  });

  it('refuses a report or job-state link planted in the out folder with a clear error', async () => {
    const user = userFolder();
    const out = tempDir();
    symlinkSync(join(user.dir, 'front.jpg'), join(out, 'export-report.html'));
    let caught: unknown;
    await runExportJob(job(out, await renders(['A']))).catch((err) => (caught = err));
    expect(isUserError(caught) && caught.code).toBe('write-outside-folder');
    expect((caught as Error).message).toMatch(/export-report\.html: it is a symbolic link/);
    expect(snapshot(user.dir)).toEqual(user.before);

    const out2 = tempDir();
    symlinkSync(user.dir, join(out2, JOB_DIR_NAME));
    caught = undefined;
    await runExportJob(job(out2, await renders(['A']))).catch((err) => (caught = err));
    expect((caught as Error).message).toMatch(/\.r2r-export leads to .*user; R2R Studio writes only inside/);
    expect(snapshot(user.dir)).toEqual(user.before);
    expect(existsSync(join(out2, 'A'))).toBe(false);
  });
});
