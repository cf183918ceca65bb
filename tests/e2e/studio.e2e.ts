import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Page } from 'playwright-core';
import { PNG_SIGNATURE, decodePngPixel } from './png-pixel';
import { runCli } from '../../main/cli/index';
import sharp from 'sharp';
import { assetRelativePath, insertGeneration, openLibrary, searchGarments, storeGenerationOutput } from '../../main/catalog/index';
import type { GarmentDetailRecord } from '../../preload/api/library-types';
import { artifactPath, collectConsoleErrors, openStudio, type Served, type Studio } from './support';

async function cli(args: string[]): Promise<unknown> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const code = await runCli([...args, '--json'], { stdout, stderr: new PassThrough() });
  expect(code).toBe(0);
  // progress lines come first; the result is the last JSON document
  return JSON.parse(out.slice(out.lastIndexOf('\n{') + 1));
}

/** the mean RGB of a square of the page, from a PNG screenshot */
async function meanColour(page: Page, x: number, y: number, side = 8): Promise<[number, number, number]> {
  const png = await page.screenshot({ clip: { x: x - side / 2, y: y - side / 2, width: side, height: side } });
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  return decodePngPixel(png);
}

describe('the studio in a browser', () => {
  let studio: Studio | undefined;
  let served: Served;
  let page: Page;
  let dir: string;

  let consoleErrors: string[] = [];

  beforeAll(async () => {
    studio = await openStudio('r2r-studio-e2e-', (dir) => cli(['sample-library', join(dir, 'lib'), '--garments', '6', '--width', '384', '--height', '480']), { width: 1400, height: 860 });
    ({ dir, served, page } = studio);
    consoleErrors = collectConsoleErrors(page);
  });

  afterAll(async () => {
    await studio?.close();
  });

  it('opens the library and filters it', async () => {
    await page.goto(served.url);
    await page.getByTestId('garment-card').first().waitFor();
    const all = await page.getByTestId('garment-card').count();
    expect(all).toBe(6);
    expect(await page.getByTestId('garment-count').textContent()).toBe('6 garments');
    // thumbnails come from the server, decoded
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=garment-card] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    await page.screenshot({ path: artifactPath('studio-library.png') });

    const options = await page.getByTestId('filter-category').locator('option').evaluateAll((os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? '' })));
    const first = options.find((o) => o.value)!;
    const expected = Number(/\((\d+)\)/.exec(first.text)![1]);
    await page.getByTestId('filter-category').selectOption(first.value);
    await page.waitForFunction((n) => document.querySelector('[data-testid=garment-count]')?.textContent === `${n} garment${n === 1 ? '' : 's'}`, expected);
    expect(await page.getByTestId('garment-card').count()).toBe(expected);

    // colorway and generation filters, from the facets the backend offers
    await page.getByTestId('filter-category').selectOption('');
    const colorways = await page.getByTestId('filter-colorway').locator('option').evaluateAll((os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? '' })));
    const cw = colorways.find((o) => o.value)!;
    const cwCount = Number(/\((\d+)\)/.exec(cw.text)![1]);
    await page.getByTestId('filter-colorway').selectOption(cw.value);
    await page.waitForFunction((n) => document.querySelector('[data-testid=garment-count]')?.textContent === `${n} garment${n === 1 ? '' : 's'}`, cwCount);
    await page.getByTestId('filter-colorway').selectOption('');
    await page.getByTestId('filter-generation').selectOption('yes');
    await page.waitForFunction(() => document.querySelector('[data-testid=garment-count]')?.textContent === '0 garments');
    await page.getByTestId('filter-generation').selectOption('no');
    await page.waitForFunction(() => document.querySelector('[data-testid=garment-count]')?.textContent === '6 garments');
    await page.getByTestId('filter-generation').selectOption('');

    // text search narrows to one SKU
    const sku = (await page.getByTestId('garment-card').first().getAttribute('data-sku'))!;
    await page.getByTestId('filter-text').fill(sku);
    await page.waitForFunction(() => document.querySelector('[data-testid=garment-count]')?.textContent === '1 garment');
    expect(await page.getByTestId('garment-card').first().getAttribute('data-sku')).toBe(sku);
    await page.screenshot({ path: artifactPath('studio-library-filtered.png') });
  });

  it('opens a shot, paints a mask stroke and undoes it', async () => {
    await page.getByTestId('garment-card').first().click();
    const canvas = page.getByTestId('shot-canvas');
    await canvas.locator('canvas').first().waitFor();
    const status = page.getByTestId('mask-status');
    await status.waitFor();
    expect(await status.getAttribute('data-edit-coverage')).toBe('0');
    const box = (await canvas.boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    // let the first frame draw, then sample the render under the stroke
    await page.waitForTimeout(200);
    const before = await meanColour(page, cx, cy);

    await page.mouse.move(cx - 60, cy);
    await page.mouse.down();
    for (let i = 0; i <= 12; i++) await page.mouse.move(cx - 60 + i * 10, cy);
    await page.mouse.up();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=mask-status]')?.getAttribute('data-edit-coverage')) > 0);
    expect(await status.getAttribute('data-undo-depth')).toBe('1');
    await page.waitForTimeout(100);
    const painted = await meanColour(page, cx, cy);
    // the stroke's core is the edit overlay colour #ff3b6b at 50% over the render
    const overlay = [0xff, 0x3b, 0x6b];
    for (let c = 0; c < 3; c++) expect(Math.abs(painted[c]! - (before[c]! * 0.5 + overlay[c]! * 0.5))).toBeLessThan(8);
    await page.screenshot({ path: artifactPath('studio-shot-painted.png') });

    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => document.querySelector('[data-testid=mask-status]')?.getAttribute('data-edit-coverage') === '0');
    expect(await status.getAttribute('data-undo-depth')).toBe('0');
    await page.waitForTimeout(100);
    const undone = await meanColour(page, cx, cy);
    for (let c = 0; c < 3; c++) expect(Math.abs(undone[c]! - before[c]!)).toBeLessThanOrEqual(2);

    await page.keyboard.press('Control+Shift+Z');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=mask-status]')?.getAttribute('data-edit-coverage')) > 0);
  });

  it('zooms with the wheel and the keys, and pans with space held without painting', async () => {
    const canvas = page.getByTestId('shot-canvas');
    const scale = async () => Number(await canvas.getAttribute('data-scale'));
    const fit = await scale();
    const coverage = await page.getByTestId('mask-status').getAttribute('data-edit-coverage');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -100);
    await page.waitForFunction((f) => Number(document.querySelector('[data-testid=shot-canvas]')?.getAttribute('data-scale')) > f, fit);
    expect((await scale()) / fit).toBeCloseTo(1.25, 3);
    await page.keyboard.press('1');
    expect(await scale()).toBe(1);
    await page.keyboard.down('Space');
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Space');
    expect(await page.getByTestId('mask-status').getAttribute('data-edit-coverage')).toBe(coverage);
    await page.screenshot({ path: artifactPath('studio-shot-100.png') });
    // space in a text field types a space
    const prompt = page.getByPlaceholder("empty: the method's default");
    await prompt.fill('');
    await prompt.pressSequentially('knit dress');
    expect(await prompt.inputValue()).toBe('knit dress');
    await page.locator('header h1').click();
    await page.keyboard.press('0');
    expect(await scale()).toBeCloseTo(fit, 4);
  });

  it('selects the background from the border and inverts it to the garment', async () => {
    const coverage = async () => Number(await page.getByTestId('mask-status').getAttribute('data-edit-coverage'));
    const painted = await coverage();
    // start from an empty mask so every value is 0 or 255 and invert is exactly 1 - coverage
    await page.keyboard.press('Delete');
    await page.waitForFunction(() => document.querySelector('[data-testid=mask-status]')?.getAttribute('data-edit-coverage') === '0');
    await page.locator('[data-tool=select-background]').click();
    const box = (await page.getByTestId('shot-canvas').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=mask-status]')?.getAttribute('data-edit-coverage')) > 0.3);
    const background = await coverage();
    await page.keyboard.press('Control+i');
    await page.waitForFunction((c) => Number(document.querySelector('[data-testid=mask-status]')?.getAttribute('data-edit-coverage')) !== c, background);
    expect(Math.abs((await coverage()) - (1 - background))).toBeLessThan(1e-6);
    await page.screenshot({ path: artifactPath('studio-shot-select-background.png') });
    // three undos (invert, select, clear) bring back the single stroke
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await page.waitForFunction((c) => Number(document.querySelector('[data-testid=mask-status]')?.getAttribute('data-edit-coverage')) === c, painted);
    await page.locator('[data-tool=brush]').click();
  });

  it('draws a polygon on the texture-lock mask, shown while placing, one undo step', async () => {
    const status = page.getByTestId('mask-status');
    const lock = async () => Number(await status.getAttribute('data-lock-coverage'));
    expect(await lock()).toBe(0);
    await page.keyboard.press('x');
    await page.keyboard.press('p');
    const box = (await page.getByTestId('shot-canvas').boundingBox())!;
    const pts = [[0.35, 0.25], [0.65, 0.25], [0.6, 0.7], [0.4, 0.7]] as const;
    for (const [fx, fy] of pts) await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
    await page.mouse.move(box.x + box.width * 0.38, box.y + box.height * 0.5);
    await page.waitForTimeout(50);
    await page.screenshot({ path: artifactPath('studio-shot-polygon.png') });
    expect(await lock()).toBe(0);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=mask-status]')?.getAttribute('data-lock-coverage')) > 0.05);
    await page.screenshot({ path: artifactPath('studio-shot-lock-mask.png') });
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => document.querySelector('[data-testid=mask-status]')?.getAttribute('data-lock-coverage') === '0');
    await page.keyboard.press('x');
    await page.keyboard.press('b');
  });

  it('keeps unsaved strokes and their undo history across a visit to another view', async () => {
    const status = page.getByTestId('mask-status');
    const before = { edit: await status.getAttribute('data-edit-coverage'), depth: await status.getAttribute('data-undo-depth') };
    expect(Number(before.edit)).toBeGreaterThan(0);
    await page.locator('[data-tab=compare]').click();
    await page.getByTestId('compare-view').waitFor();
    await page.locator('[data-tab=shot]').click();
    await status.waitFor();
    expect(await status.getAttribute('data-edit-coverage')).toBe(before.edit);
    expect(await status.getAttribute('data-undo-depth')).toBe(before.depth);
    expect((await page.getByTestId('save-masks').textContent())?.trim()).toBe('Save masks');
  });

  it('saves the mask to the library and loads it again', async () => {
    const coverage = await page.getByTestId('mask-status').getAttribute('data-edit-coverage');
    await page.getByTestId('save-masks').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=save-masks]')?.textContent?.trim() === 'Saved');
    await page.reload();
    await page.getByTestId('garment-card').first().click();
    await page.getByTestId('mask-status').waitFor();
    await page.waitForFunction((c) => document.querySelector('[data-testid=mask-status]')?.getAttribute('data-edit-coverage') === c, coverage);
  });

  it('keeps Generate off until a model folder is chosen', async () => {
    // the backend has the engine's kinds: what is missing is the model
    await page.waitForFunction(() => document.querySelector('[data-testid=generate-why]')?.textContent === 'Choose a model folder first.');
    expect(await page.getByTestId('generate').isDisabled()).toBe(true);
    expect(await page.getByTestId('sweep').isDisabled()).toBe(true);
    expect(await page.getByTestId('tac-steps').textContent()).toBe('TAC steps: 13 of 15');
  });

  it('shows a job of the queue with its progress, live over the event socket', async () => {
    // a real job kind of the backend (generate.e2e.ts runs the engine's)
    const submitted = (await page.evaluate(() =>
      fetch('/api/jobs/submit', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: ['probe-providers', {}] }) }).then((r) => r.json()),
    )) as { result: string };
    expect(typeof submitted.result).toBe('string');
    const job = page.getByTestId('job').first();
    await job.waitFor();
    expect(await job.locator('.kind').textContent()).toBe('probe-providers');
    await page.locator('[data-testid=job][data-state=done]').first().waitFor({ timeout: 60_000 });
    const progress = job.locator('progress');
    expect(Number(await progress.getAttribute('value'))).toBe(Number(await progress.getAttribute('max')));
    await page.getByTestId('queue-panel').screenshot({ path: artifactPath('studio-queue.png') });
  });

  it('compares raster and ray-traced in slider mode', async () => {
    await page.locator('[data-tab=compare]').click();
    await page.locator('[data-mode=slider]').click();
    const stage = page.getByTestId('compare-stage');
    await stage.waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=compare-stage] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    expect(await page.getByTestId('compare-a').inputValue()).toBe('raster');
    expect(await page.getByTestId('compare-b').inputValue()).toBe('raytrace');
    const box = (await stage.boundingBox())!;
    // drag the wipe line to a quarter
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 4, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const wipe = Number(await page.getByTestId('wipe').inputValue());
    expect(Math.abs(wipe - 0.25)).toBeLessThan(0.02);
    const clip = await stage.locator('img.top').evaluate((i) => (i as HTMLElement).style.clipPath);
    expect(clip).toMatch(/^inset\(/);
    await page.screenshot({ path: artifactPath('studio-compare-slider.png') });

    // right of the line is B (ray-traced), left of it A (rasterised): the shading differs
    const at = { x: box.x + box.width * 0.5, y: box.y + box.height * 0.55 };
    const sample = async (w: number) => {
      await page.getByTestId('wipe').fill(String(w));
      await page.waitForTimeout(50);
      return meanColour(page, at.x, at.y, 24);
    };
    const onlyA = await sample(1);
    const onlyB = await sample(0);
    const atQuarter = await sample(0.25);
    const dist = (p: number[], q: number[]) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!);
    expect(dist(onlyA, onlyB)).toBeGreaterThan(3);
    expect(dist(atQuarter, onlyB)).toBeLessThan(1);
  });

  it('shows the metrics of the pair, the same numbers as `r2r metrics ssim`', async () => {
    const panel = page.getByTestId('pair-metrics');
    await page.waitForFunction(() => document.querySelector('[data-testid=pair-metrics]')?.getAttribute('data-state') === 'ready');
    await page.screenshot({ path: artifactPath('studio-compare-metrics.png') });
    const shown = Object.fromEntries(
      await panel.locator('[data-metric]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-metric')!, { value: Number(e.getAttribute('data-value')), text: e.querySelector('strong')!.textContent! }])),
    ) as Record<string, { value: number; text: string }>;

    // the pair on screen and the edit mask saved earlier
    const post = (path: string, args: unknown[]) =>
      page.evaluate(([p, a]) => fetch(p as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: a }) }).then((r) => r.json()), [path, args] as const);
    const all = ((await post('/api/library/search', [{ limit: 50 }])) as { result: { garments: { id: number }[] } }).result.garments;
    const details = await Promise.all(all.map(async (x) => ((await post('/api/library/garment', [x.id])) as { result: GarmentDetailRecord }).result));
    const g = details.find((d) => d.masks.some((m) => m.purpose === 'edit'))!;
    const mask = g.masks.find((m) => m.purpose === 'edit')!;
    // the mask was painted on the shot opened first; the compare view shows that view's rasterised (A) and ray-traced (B) renders
    const shot = g.renders.find((r) => r.id === mask.renderId)!;
    const raster = g.renders.find((r) => r.kind === 'raster' && r.view === shot.view && r.colorway === shot.colorway)!;
    const raytrace = g.renders.find((r) => r.kind === 'raytrace' && r.view === shot.view && r.colorway === shot.colorway)!;
    expect(await page.getByTestId('compare-view').locator('.bar strong').textContent()).toBe(g.sku);
    expect(await page.getByTestId('compare-mask').inputValue()).toBe('auto');
    const lib = join(dir, 'lib');
    const expected = (await cli(['metrics', 'ssim', join(lib, raster.path), join(lib, raytrace.path), '--mask', join(lib, assetRelativePath(mask.asset, 'png')), '--texture'])) as Record<string, number>;
    for (const key of ['ssim_rgb', 'ssim_luma', 'masked_ssim_rgb', 'masked_ssim_luma', 'laplacian_correlation', 'mean_delta_e00']) {
      expect(shown[key], key).toBeDefined();
      expect(shown[key]!.value, key).toBe(expected[key]);
    }
    expect(shown.ssim_rgb!.text).toBe(expected.ssim_rgb!.toFixed(4));
    expect(shown.masked_ssim_luma!.text).toBe(expected.masked_ssim_luma!.toFixed(4));
    expect(shown.mean_delta_e00!.text).toBe(expected.mean_delta_e00!.toFixed(2));

    // without the mask: the whole-image numbers, the masked ones gone
    await page.getByTestId('compare-mask').selectOption('none');
    await page.waitForFunction(() => document.querySelector('[data-testid=pair-metrics]')?.getAttribute('data-state') === 'ready' && !document.querySelector('[data-metric=masked_ssim_rgb]'));
    const unmasked = (await cli(['metrics', 'ssim', join(lib, raster.path), join(lib, raytrace.path), '--texture'])) as Record<string, number>;
    expect(Number(await panel.locator('[data-metric=laplacian_correlation]').getAttribute('data-value'))).toBe(unmasked.laplacian_correlation);
    expect(Number(await panel.locator('[data-metric=ssim_rgb]').getAttribute('data-value'))).toBe(unmasked.ssim_rgb);

    await page.getByTestId('compare-mask').selectOption('auto');
  });

  it('shows the renders side by side and as a difference', async () => {
    await page.locator('[data-mode=side]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=compare-view] .pane img').length === 2);
    await page.screenshot({ path: artifactPath('studio-compare-side.png') });
    await page.locator('[data-mode=hover]').click();
    const stage = page.getByTestId('compare-stage');
    const sb = (await stage.boundingBox())!;
    await page.mouse.move(sb.x + sb.width / 2, sb.y + sb.height / 2);
    await stage.locator('img.top').waitFor();
    expect(await stage.locator('img.top').getAttribute('alt')).toBe('Ray-traced');
    await page.mouse.move(sb.x + sb.width / 2, sb.y - 30);
    await stage.locator('img.top').waitFor({ state: 'detached' });
    await page.locator('[data-mode=difference]').click();
    await page.getByTestId('compare-stage').waitFor();
    expect(await page.locator('[data-testid=compare-stage] img.diff').evaluate((i) => getComputedStyle(i).mixBlendMode)).toBe('difference');
    await page.screenshot({ path: artifactPath('studio-compare-difference.png') });
  });

  it('says why a pair of different sizes has no metrics', async () => {
    // a finished generation whose output is half the render's size, written by another process as the engine would
    const lib = openLibrary(join(dir, 'lib'));
    const garment = searchGarments(lib, { limit: 1 }).garments[0]!;
    const render = garment.renders[0]!;
    const gen = insertGeneration(lib, { source: { renderId: render.id }, model: 'e2e', seed: 1, status: 'running' });
    const half = await sharp({ create: { width: render.width / 2, height: render.height / 2, channels: 3, background: '#806050' } }).png().toBuffer();
    await storeGenerationOutput(lib, gen.id, half);
    lib.close();

    await page.reload();
    await page.getByTestId('garment-card').first().click();
    await page.locator('[data-tab=compare]').click();
    await page.locator('[data-mode=slider]').click();
    await page.getByTestId('compare-b').selectOption(`gen-${gen.id}`);
    await page.waitForFunction(() => document.querySelector('[data-testid=pair-metrics]')?.getAttribute('data-state') === 'error');
    const message = await page.getByTestId('pair-metrics-error').textContent();
    expect(message).toContain(`A is ${render.width}x${render.height} but B is ${render.width / 2}x${render.height / 2}`);
    expect(message).toContain('same size');
    await page.getByTestId('pair-metrics').screenshot({ path: artifactPath('studio-compare-metrics-size.png') });
    // back to a measurable pair: the numbers return
    await page.getByTestId('compare-b').selectOption('raytrace');
    await page.waitForFunction(() => document.querySelector('[data-testid=pair-metrics]')?.getAttribute('data-state') === 'ready');
  });

  it('builds an outfit from catalog garments', async () => {
    await page.locator('[data-tab=combos]').click();
    await page.getByTestId('combo-add').first().waitFor();
    await page.getByTestId('combo-add').nth(0).click();
    await page.getByTestId('combo-add').nth(2).click();
    expect(await page.getByTestId('combo-item').count()).toBe(2);
    await page.getByTestId('combo-name').fill('Autumn look');
    await page.getByTestId('combo-save').click();
    await page.getByTestId('combo').first().waitFor();
    expect(await page.getByTestId('combo').first().textContent()).toContain('Autumn look');
    expect(await page.getByTestId('combo').first().textContent()).toContain('2 garments');
    await page.screenshot({ path: artifactPath('studio-combos.png') });
  });

  it('creates a new library folder and goes back through the recent list', async () => {
    await page.locator('[data-tab=library]').click();
    await page.getByTestId('library-path').fill(join(dir, 'fresh'));
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=garment-count]')?.textContent === '0 garments');
    expect(await page.getByTestId('library-picker').textContent()).toContain(join(dir, 'fresh'));
    await page.getByLabel('Recent libraries').selectOption(join(dir, 'lib'));
    await page.waitForFunction(() => document.querySelector('[data-testid=garment-count]')?.textContent === '6 garments');
    // a folder that is no library says so and what to do
    await page.getByTestId('library-path').fill(join(dir, 'config'));
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'is not an R2R library' }).waitFor();
    await page.screenshot({ path: artifactPath('studio-library-error.png') });
  });

  it('opens the shortcut help with "?"', async () => {
    // typing "?" in a text field types it: leave the field first
    await page.locator('header h1').click();
    await page.keyboard.press('Shift+?');
    await page.getByTestId('help-overlay').waitFor();
    expect(await page.getByTestId('help-overlay').textContent()).toContain('Undo the last gesture');
    await page.screenshot({ path: artifactPath('studio-help.png') });
    await page.keyboard.press('Escape');
    await page.getByTestId('help-overlay').waitFor({ state: 'detached' });
  });

  it('logged no console errors but the two refusals it provoked', () => {
    // the browser logs an API answer of 400 itself: the pair of different sizes and the folder that is no library
    expect(consoleErrors).toEqual([expect.stringMatching(/status of 400 .*\/api\/metrics\/comparePair\)$/), expect.stringMatching(/status of 400 .*\/api\/library\/open\)$/)]);
  });
});
