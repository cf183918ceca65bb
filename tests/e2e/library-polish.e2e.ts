// Library and export polish (issue 22, item 7): a search without matches says so, thumbnails sit
// on the theme's colour, the export dialog has a format control, the report path can be copied,
// and the browser tab has an icon: the studio logs no console errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { writeSampleLibrary } from '../../main/catalog/sample/sample-library';
import { artifactPath, collectConsoleErrors, openStudio, type Served, type Studio } from './support';

describe('library and export polish', () => {
  let studio: Studio | undefined;
  let served: Served;
  let page: Page;
  let dir: string;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    studio = await openStudio('r2r-polish-e2e-', (dir) => writeSampleLibrary(join(dir, 'lib'), { garments: 3, colorways: 1, views: ['front', 'back'], width: 192, height: 240 }), { width: 1440, height: 900 });
    ({ dir, served, page } = studio);
    consoleErrors = collectConsoleErrors(page);
  });

  afterAll(async () => {
    await studio?.close();
  });

  it('says so when a search matches nothing, and clears it', async () => {
    await page.goto(served.url);
    await page.getByTestId('garment-card').first().waitFor();
    expect(await page.getByTestId('no-match').count()).toBe(0);
    await page.getByTestId('filter-text').fill('velvet-unicorn');
    await page.getByTestId('no-match').waitFor();
    expect(await page.getByTestId('no-match').textContent()).toContain('No garment matches “velvet-unicorn”');
    expect(await page.getByTestId('garment-card').count()).toBe(0);
    await page.screenshot({ path: artifactPath('polish-no-match.png') });
    await page.getByRole('button', { name: 'Clear search and filters' }).click();
    await page.getByTestId('garment-card').first().waitFor();
    expect(await page.getByTestId('no-match').count()).toBe(0);
    expect(await page.getByTestId('filter-text').inputValue()).toBe('');
  });

  it('fits thumbnails on the theme colour, not black bars', async () => {
    const card = page.getByTestId('garment-card').first();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=garment-card] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    const thumb = card.locator('.thumb');
    const box = (await thumb.boundingBox())!;
    const png = await page.screenshot({ clip: box });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    // the card's margin (top-left corner) is the theme's --panel-2, #26282d; the image (the centre) is the render's
    expect(px(2, 2)).toEqual([0x26, 0x28, 0x2d]);
    expect(await thumb.evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(38, 40, 45)');
    await card.screenshot({ path: artifactPath('polish-thumbnail.png') });
  });

  it('exports in a format the preset allows, chosen in the dialog, and offers the report path to copy', async () => {
    await page.getByTestId('open-export').click();
    await page.getByTestId('export-preset').locator('option[value=shopify]').waitFor({ state: 'attached' });
    await page.getByTestId('export-preset').selectOption('shopify');
    const format = page.getByTestId('export-format');
    expect(await format.locator('option').allTextContents()).toEqual(["JPEG (the preset's default)", 'WebP']);
    // the CLI's flag is not the dialog's business: its control is
    expect(await page.getByTestId('export-preset-doc').textContent()).not.toContain('--format');
    await format.selectOption('webp');
    await page.getByTestId('export-source').selectOption('raytrace');
    const out = join(dir, 'shopify-out');
    await page.getByTestId('export-out').fill(out);
    await page.getByTestId('export-size').fill('256');
    await page.screenshot({ path: artifactPath('polish-export-format.png') });
    await page.getByTestId('export-start').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.locator('[data-testid=job][data-state=done]').first().waitFor({ timeout: 120_000 });
    const images = readdirSync(out).filter((f) => !f.startsWith('export-report'));
    expect(images.length).toBe(3 * 2);
    expect(images.every((f) => f.endsWith('.webp'))).toBe(true);
    expect((await sharp(join(out, images[0]!)).metadata()).format).toBe('webp');

    const report = join(out, 'export-report.html');
    expect(await page.getByTestId('export-report').textContent()).toBe(report);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(served.url).origin });
    await page.getByTestId('copy-report').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=copy-report]')?.textContent === 'Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(report);
    await dialog.screenshot({ path: artifactPath('polish-export-report.png') });
  });

  it('has a tab icon and logged no console errors', async () => {
    expect(await page.evaluate(() => fetch('/favicon.ico').then((r) => r.status))).toBe(200);
    expect(consoleErrors).toEqual([]);
  });
});
