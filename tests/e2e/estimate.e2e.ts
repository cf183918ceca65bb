// Honest cost before and during work (issue 22, item 2): the Shot view's "about T" before a run
// (a labelled guess until a shot was measured, then this library's own step times), progress in
// work with the time left, the CPU warning with a smaller size one click applies, and a sweep
// that says "N shots, about T" and asks first. Sample library, the tiny demo model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeSampleLibrary } from '../../main/catalog/index';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import { addModel, artifactPath, collectConsoleErrors, openStudio, type Served, type Studio } from './support';

describe('the cost of a run, before and during it', () => {
  let studio: Studio | undefined;
  let served: Served;
  let page: Page;
  let dir: string;
  let consoleErrors: string[] = [];

  const estimateText = () => page.getByTestId('cost-estimate').textContent();
  async function estimateChangesFrom(before: string | null): Promise<string> {
    await page.waitForFunction((b) => {
      const t = document.querySelector('[data-testid=cost-estimate]')?.textContent ?? null;
      return t !== null && t !== b;
    }, before, { timeout: 20_000 });
    return (await estimateText())!;
  }
  async function jobs(): Promise<{ id: string; kind: string; state: string }[]> {
    const res = (await page.evaluate(() => fetch('/api/jobs/list', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":[]}' }).then((r) => r.json()))) as { result: { id: string; kind: string; state: string }[] };
    return res.result;
  }

  beforeAll(async () => {
    studio = await openStudio('r2r-estimate-e2e-', async (dir) => {
      await writeSampleLibrary(join(dir, 'lib'), { garments: 1, width: 384, height: 480 });
      writeDemoModel(join(dir, 'tiny'), { seed: 5 });
      process.env.R2R_CACHE_DIR = join(dir, 'cache');
    }, { width: 1440, height: 900 });
    ({ dir, served, page } = studio);
    consoleErrors = collectConsoleErrors(page);
  });

  afterAll(async () => {
    await studio?.close();
    delete process.env.R2R_CACHE_DIR;
  });

  it('shows "about T" before the first run, labelled a rough guess, and follows the steps', async () => {
    await page.goto(served.url);
    await page.getByTestId('garment-card').first().click();
    await page.getByTestId('shot-canvas').locator('canvas').first().waitFor();
    await addModel(page, join(dir, 'tiny'));
    const first = await estimateChangesFrom(null);
    expect(first).toMatch(/^About .+ at 768×1024/);
    expect(first).toContain('rough guess');
    expect(await page.getByTestId('cost-estimate').getAttribute('data-basis')).toBe('guess');
    // the case: the default 768x1024 on a CPU, whose attention scores alone take minutes
    await page.getByTestId('cpu-warning').waitFor();
    expect(await page.getByTestId('use-smaller').textContent()).toMatch(/^Use 416×512 \(about \d+ s\)$/);
    await page.screenshot({ path: artifactPath('estimate-before-run.png') });
    // twice the steps: twice the UNet calls, a longer estimate
    await page.getByTestId('param-steps').fill('100');
    const longer = await estimateChangesFrom(first);
    expect(longer).toMatch(/^About /);
  });

  it('counts work while it runs, with the time left, then estimates from what the run measured', async () => {
    await page.getByTestId('param-steps').fill('60');
    await page.getByTestId('param-size').selectOption('128');
    const guess = await estimateChangesFrom(await estimateText());
    expect(guess).toContain('at 96×128');
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const t = document.querySelector('[data-testid=run-progress]')?.textContent?.trim();
        if (t && seen.at(-1) !== t) seen.push(t);
      }).observe(document.querySelector('[data-testid=params-panel]')!, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId('generate').click();
    await page.getByTestId('staging-result').first().waitFor({ timeout: 120_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    const withEta = seen.filter((t) => /% of the work · about .+ left/.test(t));
    expect(withEta.length, seen.join('\n')).toBeGreaterThan(0);
    // after the run, this size is measured in this library
    await page.getByTestId('param-steps').fill('61');
    await page.waitForFunction(() => document.querySelector('[data-testid=cost-estimate]')?.getAttribute('data-basis') === 'measured', undefined, { timeout: 20_000 });
    expect(await estimateText()).toContain('measured on cpu in this library');
  });

  it('warns when a CPU shot would take over a minute and applies the smaller size it offers', async () => {
    // this library's step times as a slow machine measured them at 768x1024: 121 s a shot at
    // 50 steps, strength 0.3, TAC 0.9 (1 encode + 15 x 2 inversion + 13 x 6 TAC + 2 x 4 + 3 decode + 1)
    const file = join(dir, 'lib', 'step-times.json');
    const data = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, unknown> };
    const parts: Record<string, number> = { 'inversion:1': 2, 'generation:3': 6, 'generation:2': 4, encode: 1, decode: 3, other: 1 };
    for (const [part, seconds] of Object.entries(parts)) data.entries[`cpu|768x1024|${part}|${join(dir, 'tiny')}`] = { seconds, shots: 1, updatedAt: Date.now() };
    writeFileSync(file, JSON.stringify(data));
    await page.getByTestId('param-steps').fill('50');
    await page.getByTestId('param-strength').fill('0.3');
    await page.getByTestId('param-tac').fill('0.9');
    await page.getByTestId('param-size').selectOption('0');
    await page.getByTestId('cpu-warning').waitFor({ timeout: 20_000 });
    expect(await estimateText()).toMatch(/^About 2 min at 768×1024/);
    // 608x768 is 0.59 of the pixels (72 s); 416x512 is 0.27 (32.8 s), the largest under a minute
    expect(await page.getByTestId('use-smaller').textContent()).toBe('Use 416×512 (about 33 s)');
    await page.screenshot({ path: artifactPath('estimate-cpu-warning.png') });
    await page.getByTestId('use-smaller').click();
    expect(await page.getByTestId('param-size').inputValue()).toBe('512');
    await page.waitForFunction(() => /^About 33 s at 416×512/.test(document.querySelector('[data-testid=cost-estimate]')?.textContent ?? ''), undefined, { timeout: 20_000 });
    expect(await page.getByTestId('cpu-warning').count()).toBe(0);
  });

  it('asks "N shots, about T" before a sweep starts', async () => {
    const before = (await jobs()).filter((j) => j.kind === 'sweep').length;
    await page.getByTestId('sweep').click();
    const text = page.getByTestId('confirm-cost-text');
    await text.waitFor({ timeout: 20_000 });
    // the default grid: 4 TAC ratios x 4 strengths
    expect(await text.textContent()).toMatch(/^Sweep: 16 shots in one job, about .+\./);
    await page.screenshot({ path: artifactPath('estimate-sweep-confirm.png') });
    await page.getByTestId('confirm-cost-back').click();
    expect(await page.getByTestId('confirm-cost').count()).toBe(0);
    expect((await jobs()).filter((j) => j.kind === 'sweep').length).toBe(before);
    await page.getByTestId('sweep').click();
    await page.getByTestId('confirm-cost-start').click();
    await page.waitForFunction(async (n) => {
      const r = await fetch('/api/jobs/list', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":[]}' }).then((x) => x.json());
      return (r.result as { kind: string }[]).filter((j) => j.kind === 'sweep').length === n + 1;
    }, before, { timeout: 20_000 });
    const sweep = (await jobs()).find((j) => j.kind === 'sweep')!;
    await page.evaluate((id) => fetch('/api/jobs/cancel', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: [id] }) }), sweep.id);
  });

  it('asks first when an export generates shots, with the time a shot takes', async () => {
    await page.locator('[data-tab=library]').click();
    await page.getByTestId('garment-card').first().waitFor();
    await page.getByTestId('open-export').click();
    await page.getByTestId('export-dialog').waitFor();
    await page.getByTestId('export-source').selectOption('realistic');
    await page.getByTestId('export-generate').selectOption('missing');
    await page.getByTestId('export-model').fill(join(dir, 'tiny'));
    await page.getByTestId('export-out').fill(join(dir, 'export-out'));
    await page.getByTestId('export-start').click();
    const text = page.getByTestId('confirm-cost-text');
    await text.waitFor({ timeout: 20_000 });
    // the export makes its shots with the method's defaults at 768x1024: the slow machine's 121 s
    expect(await text.textContent()).toMatch(/^Export: the missing shots of 1 garment, about 2 min a shot\./);
    await page.screenshot({ path: artifactPath('estimate-export-confirm.png') });
    await page.getByTestId('confirm-cost-back').click();
    expect(await page.getByTestId('confirm-cost').count()).toBe(0);
    expect((await jobs()).filter((j) => j.kind === 'export')).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
