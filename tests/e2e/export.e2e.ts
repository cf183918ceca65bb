import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { writeSampleLibrary } from '../../main/catalog/sample/sample-library';
import { artifactPath, openStudio, type Served, type Studio } from './support';

const GARMENTS = 4;
const COLORWAYS = 2;
const VIEWS = ['front', 'back', 'left', 'right', 'three-quarter'];

describe('export from the studio', () => {
  let studio: Studio | undefined;
  let served: Served;
  let page: Page;
  let dir: string;

  beforeAll(async () => {
    studio = await openStudio('r2r-export-e2e-', (dir) => writeSampleLibrary(join(dir, 'lib'), { garments: GARMENTS, colorways: COLORWAYS, views: VIEWS, width: 384, height: 480 }));
    ({ dir, served, page } = studio);
  });

  afterAll(async () => {
    await studio?.close();
  });

  it('exports the sample library with the Amazon preset and shows the report', async () => {
    await page.goto(served.url);
    await page.getByTestId('garment-card').first().waitFor();
    await page.getByTestId('open-export').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.waitFor();
    await page.getByTestId('export-preset').locator('option[value=amazon]').waitFor({ state: 'attached' });
    await page.getByTestId('export-preset').selectOption('amazon');
    expect(await page.getByTestId('export-preset-doc').textContent()).toMatch(/2000×2000 px, product fills ≥ 85%, JPEG/);
    expect(await page.getByTestId('export-selection').textContent()).toContain('the whole library');
    await page.getByTestId('export-source').selectOption('raytrace');
    // a relative folder is refused when submitted, with the reason in the dialog
    await page.getByTestId('export-out').fill('relative/out');
    await page.getByTestId('export-start').click();
    await page.getByTestId('export-error').waitFor();
    expect(await page.getByTestId('export-error').textContent()).toMatch(/outDir: the out folder must be an absolute path/);
    const out = join(dir, 'amazon-out');
    await page.getByTestId('export-out').fill(out);
    await page.getByTestId('export-size').fill('1000');
    await page.getByTestId('export-start').click();

    const job = dialog.locator('[data-testid=job]:is([data-state=done], [data-state=failed], [data-state=cancelled])').first();
    await job.waitFor({ timeout: 120_000 }).catch(async (err: Error) => {
      await page.screenshot({ path: artifactPath('studio-export-timeout.png') });
      throw new Error(`${err.message}\n${await dialog.textContent()}`);
    });
    expect(await job.locator('.kind').textContent()).toBe('export');
    expect(await job.getAttribute('data-state'), (await job.textContent()) ?? '').toBe('done');
    const total = GARMENTS * COLORWAYS * VIEWS.length;
    const result = page.getByTestId('export-result');
    expect(await result.getAttribute('data-done')).toBe(String(total));
    expect(await result.getAttribute('data-failed')).toBe('0');
    expect(await page.getByTestId('export-report').textContent()).toBe(join(out, 'export-report.html'));
    await dialog.screenshot({ path: artifactPath('studio-export.png') });

    // the files: one per ray-traced render, Amazon names, each a decodable 1000 px JPEG
    const files = readdirSync(out).filter((f) => f.endsWith('.jpg')).sort();
    expect(files).toHaveLength(total);
    for (const f of files) expect(f).toMatch(/^[A-Z]{2}-\d{4}\.(MAIN|BACK|PT\d\d)\.jpg$/);
    expect(files.filter((f) => f.includes('.MAIN.'))).toHaveLength(GARMENTS);
    const img = sharp(readFileSync(join(out, files[0]!)), { failOn: 'error' });
    const m = await img.metadata();
    expect([m.format, m.width, m.height, m.space]).toEqual(['jpeg', 1000, 1000, 'srgb']);
    const { data } = await img.raw().toBuffer({ resolveWithObject: true });
    // Amazon: pure white in the corner
    expect([data[0], data[1], data[2]]).toEqual([255, 255, 255]);
    expect(JSON.parse(readFileSync(join(out, 'export-report.json'), 'utf8'))).toMatchObject({ preset: 'amazon', total, done: total, failed: 0 });
  });

  it('exports an outfit from the Combos view with the Amazon preset: its garments only', async () => {
    await page.keyboard.press('Escape');
    await page.getByTestId('export-dialog').waitFor({ state: 'detached' });
    await page.locator('[data-tab=combos]').click();
    await page.getByTestId('combo-add').first().waitFor();
    await page.getByTestId('combo-add').nth(0).click();
    await page.getByTestId('combo-add').nth(2).click();
    const itemRows = page.getByTestId('combo-item');
    expect(await itemRows.count()).toBe(2);
    const skus = await itemRows.locator('.sku').allTextContents();
    // the second garment in one colorway only, the first in all of them
    const colorway = itemRows.nth(1).getByLabel(`Colorway of ${skus[1]}`);
    const cwName = (await colorway.locator('option').nth(2).textContent())!;
    await colorway.selectOption({ label: cwName });
    // no outfit saved yet: nothing to generate or export
    expect(await page.getByTestId('combo-export').isDisabled()).toBe(true);
    await page.getByTestId('combo-name').fill('Export look');
    await page.getByTestId('combo-save').click();
    await page.getByTestId('combo').filter({ hasText: 'Export look' }).waitFor();
    await page.waitForFunction(() => !(document.querySelector('[data-testid=combo-export]') as HTMLButtonElement | null)?.disabled);
    // without a model folder, Generate outfit stays off and says why
    expect(await page.getByTestId('combo-generate').isDisabled()).toBe(true);
    expect(await page.getByTestId('combo-generate-why').textContent()).toMatch(/model folder|R2R engine is not in this build/);
    await page.screenshot({ path: artifactPath('studio-combo-actions.png') });

    await page.getByTestId('combo-export').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('export-selection').textContent()).toContain('the outfit “Export look”');
    await page.getByTestId('export-preset').locator('option[value=amazon]').waitFor({ state: 'attached' });
    await page.getByTestId('export-preset').selectOption('amazon');
    await page.getByTestId('export-source').selectOption('raytrace');
    const out = join(dir, 'outfit-out');
    await page.getByTestId('export-out').fill(out);
    await page.getByTestId('export-size').fill('1000');
    await page.getByTestId('export-start').click();
    // the queue lists the newest job first; the library export of the test before is done already
    const job = dialog.getByTestId('job').first();
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 120_000, interval: 250 }).toMatch(/^(done|failed|cancelled)$/);
    expect(await job.getAttribute('data-state'), (await job.textContent()) ?? '').toBe('done');
    const total = (COLORWAYS + 1) * VIEWS.length;
    expect(await job.getByTestId('export-result').getAttribute('data-done')).toBe(String(total));
    await dialog.screenshot({ path: artifactPath('studio-export-outfit.png') });

    const files = readdirSync(out).filter((f) => f.endsWith('.jpg')).sort();
    expect(files).toHaveLength(total);
    expect(new Set(files.map((f) => f.split('.')[0]))).toEqual(new Set(skus));
    expect(files.filter((f) => f.startsWith(`${skus[0]}.`))).toHaveLength(COLORWAYS * VIEWS.length);
    expect(files.filter((f) => f.startsWith(`${skus[1]}.`))).toHaveLength(VIEWS.length);
  });
});
