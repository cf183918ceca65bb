import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { COLORWAYS } from '../../../main/catalog/sample/textiles';
import type { SwatchEvalEntry } from '../../../main/cli/commands/eval-swatches';
import { runCliCaptured } from '../support/cli-io';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('r2r eval swatches on the sample library', () => {
  it('extracts every knit, denim and plaid colorway with mean SSIM >= 0.8 and period error <= 1 px', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'r2r-swatch-eval-'));
    dirs.push(dir);
    // the default sample (8 garments, 2 colorways, 512x640), front views only to keep it quick
    await writeSampleLibrary(dir, { views: ['front'] });
    const { code, out } = await runCliCaptured(['eval', 'swatches', '--library', dir, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as { entries: SwatchEvalEntry[]; totals: { colorways: number; measured: number; meanSsim: number; meanPeriodErrorPx: number; maxPeriodErrorPx: number } };
    const kindOf = (name: string) => COLORWAYS.find((c) => c.name === name)!.kind;
    for (const e of report.entries) {
      console.log(
        `${e.sku} ${e.colorway} (${kindOf(e.colorway)}): ` +
          (e.measured ? `repeat ${e.periodX} x ${e.periodY} (true ${e.truePeriodX} x ${e.truePeriodY}), SSIM ${e.ssim.toFixed(3)}` : `not measured: ${e.reason}`),
      );
    }
    console.log('totals', report.totals);
    const measured = report.entries.filter((e) => e.measured);
    expect(new Set(measured.map((e) => kindOf(e.colorway)))).toEqual(new Set(['knit', 'denim', 'plaid']));
    // only the floral prints (no repeat) have no true swatch
    expect(report.entries.every((e) => kindOf(e.colorway) !== 'floral')).toBe(true);
    expect(report.totals.meanSsim).toBeGreaterThanOrEqual(0.8);
    expect(report.totals.meanPeriodErrorPx).toBeLessThanOrEqual(1);
    expect(report.totals.maxPeriodErrorPx).toBeLessThanOrEqual(1);
    // a colorway left out is one whose garment is narrower than its repeat can be measured in
    for (const e of report.entries.filter((x) => !x.measured)) expect(e.reason).toMatch(/too small to show a .* repeat/);
    expect(report.totals.measured).toBeGreaterThanOrEqual(report.totals.colorways - 2);
  }, 120_000);

  it('explains a library without true swatches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'r2r-swatch-none-'));
    dirs.push(dir);
    expect((await runCliCaptured(['library', 'init', dir])).code).toBe(0);
    const { code, err } = await runCliCaptured(['eval', 'swatches', '--library', dir]);
    expect(code).not.toBe(0);
    expect(err).toMatch(/no colorway .* has a true swatch/);
  });
});
