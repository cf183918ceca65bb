// an outfits export (#17): one dressed shot per combo and view, named by the combo, on the sample
// library with the tiny demo model; a second export reuses the recorded dressed shots
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { attachComboRender, createCombo, listGenerations, openLibrary, searchGarments, writeSampleLibrary } from '../../../main/catalog/index';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import type { OutfitProgress, OutfitSettings } from '../../../main/export/outfit-shots';
import type { ExportReport } from '../../../main/export/report';
import { exportFromLibrary } from '../../../main/export/library-export';
import { exportJobParams } from '../../../main/export/export-job-kind';
import { buildPlan } from '../../../main/export/plan';
import { loadPreset } from '../../../main/export/presets';
import { tempDir } from './fixtures';
import { runCliCaptured } from '../support/cli-io';

const dir = tempDir('r2r-outfits-export-');
const library = join(dir, 'lib');
const modelDir = join(dir, 'tiny');
const cacheDir = join(dir, 'cache');
const STEPS = 4;
// text-to-image with 2 garments: each step inverts both garments (2 rows), then generates with
// the negative and conditional rows plus one row per garment (4 rows)
const SAMPLE_EVALUATIONS_TWO_GARMENTS = STEPS * 2 + STEPS * (2 + 2);

let summer = 0;
let city = 0;
let broken = 0;
let empty = 0;

const settings = (extra: Partial<OutfitSettings> = {}): OutfitSettings => ({ model: modelDir, steps: STEPS, width: 64, height: 64, provider: 'cpu', cacheDir, ...extra });

function run(outDir: string, outfits: OutfitSettings, hooks: Parameters<typeof exportFromLibrary>[1] = {}) {
  return exportFromLibrary({ library, outDir, preset: 'amazon', size: 1000, source: 'realistic', selection: {}, generate: 'none', outfits, threads: 'inline', creatorTool: 'R2R Studio test' }, hooks);
}

function dressGenerations() {
  const lib = openLibrary(library);
  try {
    return listGenerations(lib).filter((g) => g.params.kind === 'dress');
  } finally {
    lib.close();
  }
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const shots = (outDir: string) => readdirSync(outDir).filter((f) => !f.startsWith('export-report') && !f.startsWith('.')).sort();

beforeAll(async () => {
  await writeSampleLibrary(library, { garments: 5, colorways: 1, views: ['front', 'back'], width: 64, height: 80 });
  writeDemoModel(modelDir, { seed: 3 });
  const lib = openLibrary(library);
  try {
    const g = searchGarments(lib, {}).garments;
    summer = createCombo(lib, { name: 'Summer Look', items: [{ garment: g[0]!.id, role: 'top' }, { garment: g[1]!.id, role: 'bottom' }] }).id;
    city = createCombo(lib, { name: 'City look!', items: [{ garment: g[2]!.id, role: 'top' }, { garment: g[3]!.id, role: 'outer' }] }).id;
    // an outfit render of a view its garment has no render in: that view cannot be dressed
    broken = createCombo(lib, { name: 'Broken', items: [{ garment: g[4]!.id, role: 'dress' }] }).id;
    await attachComboRender(lib, broken, { view: 'left', kind: 'raster', image: readFileSync(join(library, g[4]!.renders[0]!.path)) });
    empty = createCombo(lib, { name: 'Empty', items: [] }).id;
  } finally {
    lib.close();
  }
}, 60_000);

describe('export --outfits', () => {
  const first = join(dir, 'out-1');

  it('dresses each combo once per view with one model load, names the files by combo and view, and skips broken combos with their reason', async () => {
    const progress: OutfitProgress[] = [];
    const statuses: string[] = [];
    const res = await run(first, settings({ combos: [city, summer, broken, empty] }), { onOutfit: (p) => progress.push(p), onStatus: (s) => statuses.push(s) });
    expect(res.cancelled).toBe(false);
    expect(shots(first)).toEqual(['city-look_back.jpg', 'city-look_front.jpg', 'summer-look_back.jpg', 'summer-look_front.jpg']);
    expect(res.outfits).toMatchObject({ planned: 6, dressed: 4, reused: 0, skipped: 2, sampleEvaluations: 4 * SAMPLE_EVALUATIONS_TWO_GARMENTS });
    expect(res.done).toBe(4);
    expect(res.failed).toBe(2);
    expect(statuses.filter((s) => s === 'loading the model')).toHaveLength(1);
    expect(progress.map((p) => `${p.done}/${p.total} ${p.item.combo} ${p.item.view} ${p.item.status}`)).toEqual([
      // combos in id order, views front then back
      '1/6 Summer Look front dressed',
      '2/6 Summer Look back dressed',
      '3/6 City look! front dressed',
      '4/6 City look! back dressed',
      '5/6 Broken left skipped',
      '6/6 Empty  skipped',
    ]);

    const report = JSON.parse(readFileSync(join(first, 'export-report.json'), 'utf8')) as ExportReport;
    const rows = report.items.map(({ item, outcome }) => ({ file: item.file, status: item.outfit!.status, se: item.outfit!.sampleEvaluations, outcome: outcome.status, error: outcome.status === 'failed' ? outcome.error : undefined }));
    expect(rows.slice(0, 4)).toEqual(['summer-look_front.jpg', 'summer-look_back.jpg', 'city-look_front.jpg', 'city-look_back.jpg'].map((file) => ({ file, status: 'dressed', se: SAMPLE_EVALUATIONS_TWO_GARMENTS, outcome: 'done', error: undefined })));
    expect(rows[4]).toMatchObject({ file: '', status: 'skipped', outcome: 'failed', error: expect.stringMatching(/^Broken left: garment .+ has no render in view left$/) });
    expect(rows[5]).toMatchObject({ file: '', status: 'skipped', outcome: 'failed', error: 'Empty: the combo has no garments' });

    // each dressed shot is recorded as a generation of its combo and view, tagged with this export
    const gens = dressGenerations();
    expect(gens.map((g) => `${g.comboId} ${g.params.view} ${g.status}`).sort()).toEqual([`${city} back done`, `${city} front done`, `${summer} back done`, `${summer} front done`].sort());
    expect(gens.every((g) => g.params.exportJob === res.jobId)).toBe(true);
    // the preset's canvas and format, as for garment shots
    const meta = await sharp(join(first, 'summer-look_front.jpg')).metadata();
    expect([meta.format, Math.max(meta.width!, meta.height!)]).toEqual(['jpeg', 1000]);
    expect({ width: meta.width, height: meta.height }).toEqual(report.canvas);
  }, 240_000);

  it('a second export reuses the recorded dressed shots: no new generation, the same bytes', async () => {
    const second = join(dir, 'out-2');
    const before = dressGenerations().length;
    const res = await run(second, settings({ combos: [summer, city] }));
    expect(res.outfits).toMatchObject({ planned: 4, dressed: 0, reused: 4, skipped: 0, sampleEvaluations: 0 });
    expect(dressGenerations()).toHaveLength(before);
    expect(shots(second)).toEqual(shots(first));
    for (const f of shots(second)) expect(sha(join(second, f))).toBe(sha(join(first, f)));
    const report = JSON.parse(readFileSync(join(second, 'export-report.json'), 'utf8')) as ExportReport;
    expect(report.items.map((i) => i.item.outfit!.status)).toEqual(['reused', 'reused', 'reused', 'reused']);
    // an export without a model still exports what is dressed, and says what it needs for the rest
    const noModel = await run(join(dir, 'out-3'), { combos: [summer] });
    expect(noModel.outfits).toMatchObject({ reused: 2, dressed: 0 });
    await expect(run(join(dir, 'out-4'), { combos: [summer], redress: true })).rejects.toThrow(/2 combo view\(s\) have no dressed shot yet and dressing them needs a model folder/);
  }, 120_000);

  it('r2r export --outfits --combo <name> --combo <id> --json: an event per outfit shot and the summary', async () => {
    const out = join(dir, 'out-cli');
    const { code, out: stdout, err } = await runCliCaptured(['export', '--library', library, '--out', out, '--size', '1000', '--outfits', '--combo', 'summer look', '--combo', String(broken), '--json']);
    expect(code, err).toBe(1);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.filter((e) => e.event === 'outfit').map((e) => `${e.combo} ${e.view} ${e.status}`)).toEqual(['Summer Look front reused', 'Summer Look back reused', 'Broken left skipped']);
    expect(events.at(-1)).toMatchObject({ event: 'summary', done: 2, failed: 1, outfits: { planned: 3, reused: 2, skipped: 1 } });
    expect(shots(out)).toEqual(['summer-look_back.jpg', 'summer-look_front.jpg']);
    const twice = await runCliCaptured(['export', '--library', library, '--out', join(dir, 'out-cli-2'), '--combo', String(summer), '--combo', String(city)]);
    expect([twice.code, twice.err]).toEqual([1, expect.stringMatching(/--combo was given 2 times; a garment export takes one outfit/)]);
  }, 60_000);

  it('cancel inside a shot stops the export: the shot is recorded cancelled and nothing is written', async () => {
    const out = join(dir, 'out-cancel');
    const ac = new AbortController();
    const before = dressGenerations().length;
    const res = await run(out, settings({ combos: [summer, city], redress: true }), { signal: ac.signal, onStatus: (s) => s === 'dressing' && ac.abort() });
    expect(res.cancelled).toBe(true);
    expect(res.outfits).toMatchObject({ dressed: 0, cancelled: true });
    const made = dressGenerations().slice(before);
    expect(made.map((g) => g.status)).toEqual(['cancelled']);
    expect(existsSync(out) ? readdirSync(out, { withFileTypes: true }).filter((e) => e.isFile()) : []).toEqual([]);
  }, 120_000);

  it('cancel between shots keeps the finished ones; the same command then dresses only the rest', async () => {
    const out = join(dir, 'out-between');
    const ac = new AbortController();
    const before = dressGenerations().length;
    const outfits = settings({ combos: [summer], redress: true });
    const res = await run(out, outfits, { signal: ac.signal, onOutfit: (p) => p.item.status === 'dressed' && ac.abort() });
    expect(res.outfits).toMatchObject({ planned: 2, dressed: 1, cancelled: true });
    expect(dressGenerations().slice(before).map((g) => `${g.params.view} ${g.status}`)).toEqual(['front done']);
    const again = await run(out, outfits);
    expect(again.outfits).toMatchObject({ planned: 2, dressed: 1, reused: 1, cancelled: false });
    expect(shots(out)).toEqual(['summer-look_back.jpg', 'summer-look_front.jpg']);
  }, 120_000);

  it('names outfit shots after garment shots, collision-safe, and gives a skipped shot no name', () => {
    const preset = loadPreset('amazon');
    const outfit = (comboId: number, view: string, status: 'dressed' | 'skipped') => ({ sku: 'summer-look', name: 'Summer Look', category: 'outfit', colorway: '', view, kind: 'dressed', sourcePath: status === 'skipped' ? '' : `/x/${comboId}.png`, outfit: { comboId, combo: 'Summer Look', view, status } });
    const plan = buildPlan([outfit(1, 'front', 'dressed'), outfit(2, 'front', 'dressed'), outfit(3, 'back', 'skipped')], preset, 'png', ['Summer-Look_front.png']);
    expect(plan.map((p) => [p.key, p.file])).toEqual([
      ['combo/1/front', 'summer-look_front_2.png'],
      ['combo/2/front', 'summer-look_front_3.png'],
      ['combo/3/back', ''],
    ]);
  });

  it("the export job's params take outfits with combos and redress, and refuse them apart", () => {
    const base = { library: library, outDir: join(dir, 'job'), preset: 'amazon', source: 'realistic' as const, selection: {} };
    expect(exportJobParams.safeParse({ ...base, outfits: true, combos: [summer, city], redress: true, model: modelDir }).success).toBe(true);
    expect(exportJobParams.safeParse({ ...base, combos: [summer] }).error?.issues[0]?.message).toBe('combos go with outfits: true');
    expect(exportJobParams.safeParse({ ...base, outfits: true, generate: 'missing', model: modelDir }).error?.issues.map((i) => i.message)).toContain('an outfits export dresses combos; it does not generate garment shots');
    expect(exportJobParams.safeParse({ ...base, outfits: true, outfitPrompt: 'photo of a man walking', outfitSeed: 7 }).success).toBe(true);
    expect(exportJobParams.safeParse({ ...base, outfitPrompt: 'photo of a man walking' }).error?.issues[0]?.message).toBe('outfitPrompt goes with outfits: true');
    expect(exportJobParams.safeParse({ ...base, outfitSeed: 7 }).error?.issues[0]?.message).toBe('outfitSeed goes with outfits: true');
  });

  it('refuses garment filters and garment generation with outfits', async () => {
    await expect(exportFromLibrary({ library, outDir: join(dir, 'x'), preset: 'amazon', source: 'realistic', selection: { category: 'coat' }, generate: 'none', outfits: {}, creatorTool: 't' })).rejects.toThrow(/takes no garment filter \(category\)/);
  });

  it('r2r export --outfits --outfit-prompt --outfit-seed dresses the views it dresses with them, and refuses them without --outfits', async () => {
    const before = new Set(dressGenerations().map((g) => g.id));
    const common = ['export', '--library', library, '--size', '1000', '--outfit-prompt', 'photo of a man walking, street', '--outfit-seed', '7'];
    const { code, err } = await runCliCaptured([...common, '--out', join(dir, 'out-prompt'), '--outfits', '--combo', String(summer), '--redress', '--model', modelDir, '--gen-size', '64x64', '--steps', String(STEPS), '--provider', 'cpu', '--cache-dir', cacheDir, '--json']);
    expect(code, err).toBe(0);
    const made = dressGenerations().filter((g) => !before.has(g.id));
    expect(made.map((g) => g.params.view).sort()).toEqual(['back', 'front']);
    for (const g of made) expect([g.params.prompt, g.seed]).toEqual(['photo of a man walking, street', 7]);
    const refused = await runCliCaptured([...common, '--out', join(dir, 'out-prompt-2')]);
    expect([refused.code, refused.err]).toEqual([1, expect.stringMatching(/--outfit-prompt goes with --outfits/)]);
  }, 120_000);
});
