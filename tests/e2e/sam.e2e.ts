// Select object (issue 18, item 3): with a tiny Segment Anything pair configured, a click on the
// shot gives a candidate mask, Enter puts it into the edit mask (visible over the render), undo
// takes it out again. Without a model the tool says where to put one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeSampleLibrary } from '../../main/catalog/index';
import { RADIUS_1024, sam1Decoder, sam1Encoder, samFolder } from '../unit/sam/tiny-sam';
import { decodePngPixel } from './png-pixel';
import { artifactPath, collectConsoleErrors, openStudio, type Served, type Studio } from './support';

const W = 192;
const H = 240;

async function meanColour(page: Page, x: number, y: number, side = 6): Promise<[number, number, number]> {
  return decodePngPixel(await page.screenshot({ clip: { x: x - side / 2, y: y - side / 2, width: side, height: side } }));
}

const coverage = (page: Page) => page.getByTestId('mask-status').getAttribute('data-edit-coverage').then(Number);

describe('Select object with a Segment Anything model', () => {
  let studio: Studio | undefined;
  let served: Served;
  let page: Page;
  let sam: string;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    studio = await openStudio('r2r-sam-e2e-', async (dir) => {
      await writeSampleLibrary(join(dir, 'lib'), { garments: 1, width: W, height: H });
      sam = samFolder(sam1Encoder('x'), sam1Decoder(), {}, join(dir, 'mobile-sam'));
      // the served backend's job worker keeps its embeddings in the test folder
      process.env.R2R_CACHE_DIR = join(dir, 'cache');
    });
    ({ served, page } = studio);
    consoleErrors = collectConsoleErrors(page);
  });

  afterAll(async () => {
    await studio?.close();
  });

  it('without a model, says where to put one; with it, a click adds the object and undo removes it', async () => {
    await page.goto(served.url);
    await page.getByTestId('garment-card').first().click();
    const canvas = page.getByTestId('shot-canvas');
    await canvas.locator('canvas').first().waitFor();
    await page.getByTestId('mask-status').waitFor();
    await page.keyboard.press('s');
    const panel = page.getByTestId('select-object-panel');
    await panel.waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=select-object-panel]')?.textContent?.includes('encoder.onnx + decoder.onnx'));
    expect(await panel.textContent()).toContain('No Segment Anything model is set');

    await page.getByTestId('sam-folder').fill(sam);
    await page.getByTestId('sam-folder-use').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=select-object-panel]')?.textContent?.includes('Click the object'), undefined, { timeout: 60_000 });
    expect(await panel.textContent()).toContain('SAM 1 / MobileSAM');

    const box = (await canvas.boundingBox())!;
    const cx = Math.round(box.x + box.width / 2);
    const cy = Math.round(box.y + box.height / 2);
    await page.waitForTimeout(200);
    const before = await meanColour(page, cx, cy);
    const started = Date.now();
    await page.mouse.click(cx, cy);
    await page.waitForFunction(() => document.querySelector('[data-testid=select-object-candidate]')?.getAttribute('data-ready') === 'true');
    console.log(`select object: click -> candidate on screen in ${Date.now() - started} ms (tiny SAM 1, ${W}x${H})`);
    expect(await coverage(page)).toBe(0);
    await page.screenshot({ path: artifactPath('sam-candidate.png') });

    await page.keyboard.press('Enter');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=mask-status]')?.getAttribute('data-edit-coverage')) > 0);
    // the tiny decoder draws a disk of 64 px in the 1024 space: 64 * 240 / 1024 = 15 image pixels
    const radius = (RADIUS_1024 * H) / 1024;
    const expected = (Math.PI * radius * radius) / (W * H);
    expect(Math.abs((await coverage(page)) - expected) / expected).toBeLessThan(0.1);
    expect(await page.getByTestId('mask-status').getAttribute('data-undo-depth')).toBe('1');
    await page.waitForTimeout(150);
    const masked = await meanColour(page, cx, cy);
    // the edit overlay (#ff3b6b at 50%) now covers the clicked spot
    const overlay = [0xff, 0x3b, 0x6b];
    for (let c = 0; c < 3; c++) expect(Math.abs(masked[c]! - (before[c]! * 0.5 + overlay[c]! * 0.5))).toBeLessThan(10);
    await page.screenshot({ path: artifactPath('sam-added.png') });

    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => document.querySelector('[data-testid=mask-status]')?.getAttribute('data-edit-coverage') === '0');
    await page.waitForTimeout(150);
    const undone = await meanColour(page, cx, cy);
    for (let c = 0; c < 3; c++) expect(Math.abs(undone[c]! - before[c]!)).toBeLessThanOrEqual(2);
    expect(consoleErrors).toEqual([]);
  });
});
