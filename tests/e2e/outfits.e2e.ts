// Outfits (issue 17): the Combos view dresses a combo in one shot: the layout canvas (a box per
// garment, nudged with the keyboard and saved), the Dress panel (prompt, size, steps, seed),
// progress, then the dressed result next to each garment's render. Sample library, the tiny
// demo model, a 64x64 canvas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeSampleLibrary } from '../../main/catalog/index';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import type { DressedOutfitRecord, OutfitLayoutRecord } from '../../preload/api/outfit-types';
import { addModel, artifactPath, collectConsoleErrors, openStudio, type Served, type Studio } from './support';

describe('dressing an outfit in the Combos view', () => {
  let studio: Studio | undefined;
  let served: Served;
  let page: Page;
  let dir: string;
  let consoleErrors: string[] = [];

  async function call<T>(path: string, args: unknown[]): Promise<T> {
    const body = JSON.stringify({ args });
    const res = (await page.evaluate(([p, b]) => fetch(`/api/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b }).then((r) => r.json()), [path, body] as const)) as { result: T };
    return res.result;
  }

  beforeAll(async () => {
    studio = await openStudio('r2r-outfits-e2e-', async (dir) => {
      await writeSampleLibrary(join(dir, 'lib'), { garments: 2, colorways: 1, views: ['front'], width: 64, height: 80 });
      writeDemoModel(join(dir, 'tiny'), { seed: 5 });
      process.env.R2R_CACHE_DIR = join(dir, 'cache');
    });
    ({ dir, served, page } = studio);
    consoleErrors = collectConsoleErrors(page);
  });

  afterAll(async () => {
    await studio?.close();
    delete process.env.R2R_CACHE_DIR;
  });

  it('lays out the garments, dresses them in one shot with progress, and shows the result beside each garment', async () => {
    await page.goto(served.url);
    await page.locator('[data-tab=combos]').click();
    await page.getByTestId('combo-add').nth(1).waitFor();
    await page.getByTestId('combo-add').nth(0).click();
    await page.getByTestId('combo-add').nth(1).click();
    const skus = await page.getByTestId('combo-item').locator('.sku').allTextContents();
    await page.getByLabel(`Role of ${skus[0]}`).selectOption('top');
    await page.getByLabel(`Role of ${skus[1]}`).selectOption('bottom');
    await page.getByTestId('combo-name').fill('Dressed look');
    await page.getByTestId('combo-save').click();
    await page.getByTestId('combo').filter({ hasText: 'Dressed look' }).waitFor();
    const combo = (await call<{ id: number; name: string }[]>('combos/list', [])).find((c) => c.name === 'Dressed look')!;

    // the layout canvas: one box per garment, placed by role
    await page.getByTestId('dress-panel').waitFor();
    await page.getByTestId('outfit-box').nth(1).waitFor();
    const auto = await call<OutfitLayoutRecord>('combos/layout', [combo.id]);
    expect(auto.boxes.map((b) => b.role)).toEqual(['top', 'bottom']);
    // select the top's box, nudge it right with the keyboard: the box is saved as edited
    await page.getByTestId('outfit-box').nth(0).click();
    await page.getByTestId('outfit-layout').focus();
    await page.keyboard.press('ArrowRight');
    await page.getByTestId('outfit-box').nth(0).filter({ hasText: '(edited)' }).waitFor();
    const nudged = await call<OutfitLayoutRecord>('combos/layout', [combo.id]);
    expect(nudged.boxes[0]!.edited).toBe(true);
    expect(nudged.boxes[0]!.box.x).toBeCloseTo(auto.boxes[0]!.box.x + 0.01, 6);
    expect(nudged.boxes[1]!.box).toEqual(auto.boxes[1]!.box);

    await addModel(page, join(dir, 'tiny'));
    await page.getByTestId('dress-prompt').fill('a person standing');
    await page.getByTestId('dress-width').fill('64');
    await page.getByTestId('dress-height').fill('64');
    await page.getByTestId('dress-steps').fill('6');
    await page.getByTestId('dress-seed').fill('3');
    await page.waitForFunction(() => !(document.querySelector('[data-testid=dress-start-button]') as HTMLButtonElement | null)?.disabled);
    await page.getByTestId('dress-start-button').click();
    await page.getByTestId('dress-result').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=dress-result] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    await page.getByTestId('combos-view').screenshot({ path: artifactPath('outfits-dress.png') });

    // the result is a generation of the combo, made in the boxes the canvas showed
    const dressed = await call<DressedOutfitRecord[]>('combos/dressed', [combo.id]);
    expect(dressed.map((d) => d.status)).toEqual(['done']);
    const report = dressed[0]!.report as { regions: { box: unknown }[]; mode: string; width: number; height: number; steps: number; seed: number };
    expect(report.regions.map((r) => r.box)).toEqual(nudged.boxes.map((b) => b.box));
    expect([report.mode, report.width, report.height, report.steps, report.seed]).toEqual(['txt2img', 64, 64, 6, 3]);
    // beside it, each garment's render
    expect(await page.getByTestId('dress-result').locator('figure').count()).toBe(3);
    expect(await page.getByTestId('dress-cost').textContent()).toMatch(/^\d+ sample-evaluations \(\d+ for one shot per garment\)$/);
    expect(consoleErrors).toEqual([]);
  });

  it('exports the dressed outfit from the Combos view: one shot per view named by the combo, the dressed shot reused', async () => {
    const combo = (await call<{ id: number; name: string }[]>('combos/list', [])).find((c) => c.name === 'Dressed look')!;
    const [dressed] = await call<DressedOutfitRecord[]>('combos/dressed', [combo.id]);
    await page.getByTestId('combo-export').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.waitFor();
    await page.getByTestId('export-preset').locator('option[value=amazon]').waitFor({ state: 'attached' });
    await page.getByTestId('export-outfits').check();
    expect(await page.getByTestId('export-outfits-doc').textContent()).toContain('“Dressed look” in each view');
    const out = join(dir, 'outfit-shots');
    await page.getByTestId('export-out').fill(out);
    await page.getByTestId('export-size').fill('1000');
    await page.getByTestId('export-start').click();
    const job = dialog.getByTestId('job').first();
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 120_000, interval: 250 }).toMatch(/^(done|failed|cancelled)$/);
    expect(await job.getAttribute('data-state'), (await job.textContent()) ?? '').toBe('done');
    expect(await job.getByTestId('export-result').getAttribute('data-done')).toBe('1');
    await dialog.screenshot({ path: artifactPath('outfits-export.png') });
    // the library has the front view only: one file, the dressed shot of the test before
    expect(readdirSync(out).filter((f) => f.endsWith('.jpg'))).toEqual(['dressed-look_front.jpg']);
    const report = JSON.parse(readFileSync(join(out, 'export-report.json'), 'utf8')) as { items: { item: { outfit: { status: string; generationId: number } } }[] };
    expect(report.items.map((i) => i.item.outfit)).toMatchObject([{ status: 'reused', generationId: dressed!.id }]);
    expect(consoleErrors).toEqual([]);
  });
});
