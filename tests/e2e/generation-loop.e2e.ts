// The loop of generating and judging results in the shot editor (issue 22): the staging strip
// under the canvas (live previews on the canvas, then the result; accept, discard, pin A/B),
// the seed only where it matters, and compare over any generation of the render. Sample library,
// the tiny demo model, a 128 px model canvas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeSampleLibrary } from '../../main/catalog/index';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import { addModel, artifactPath, collectConsoleErrors, openStudio, type Served, type Studio } from './support';

interface Garment {
  generations: { id: number; renderId: number; status: string; output: string | null }[];
  chosen: { renderId: number; generationId: number }[];
}

describe('the generation loop in the shot editor', () => {
  let studio: Studio | undefined;
  let served: Served;
  let page: Page;
  let dir: string;
  let garmentId = 0;
  let consoleErrors: string[] = [];

  async function call<T>(path: string, args: unknown[]): Promise<T> {
    const body = JSON.stringify({ args });
    const res = (await page.evaluate(([p, b]) => fetch(`/api/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b }).then((r) => r.json()), [path, body] as const)) as { result: T };
    return res.result;
  }
  const garment = () => call<Garment>('library/garment', [garmentId]);

  async function generateAndWait(strength: string): Promise<void> {
    const before = await page.getByTestId('staging-result').count();
    await page.getByTestId('param-strength').fill(strength);
    await page.getByTestId('generate').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=staging-result]').length === n + 1, before, { timeout: 120_000 });
  }

  beforeAll(async () => {
    studio = await openStudio('r2r-loop-e2e-', async (dir) => {
      await writeSampleLibrary(join(dir, 'lib'), { garments: 2, width: 384, height: 480 });
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

  it('shows the live preview on the canvas while a run goes, then the result in the staging strip', async () => {
    await page.goto(served.url);
    const card = page.getByTestId('garment-card').first();
    const sku = (await card.getAttribute('data-sku'))!;
    await card.click();
    await page.getByTestId('shot-canvas').locator('canvas').first().waitFor();
    garmentId = (await call<{ garments: { id: number }[] }>('library/search', [{ text: sku }])).garments[0]!.id;
    expect(await page.getByTestId('staging-strip').textContent()).toContain('Results of this render appear here');
    // the studio runs R2R only: no seed to offer, the panel says why
    expect(await page.getByTestId('param-seed').count()).toBe(0);
    expect(await page.getByTestId('seed-note').textContent()).toContain('R2R is deterministic');
    await addModel(page, join(dir, 'tiny'));
    await page.getByTestId('param-steps').fill('60');
    await page.getByTestId('param-size').selectOption('128');

    // what the canvas overlay and the strip show, every time they change: the tiny model's run is
    // over in well under a second, too short for polling the page to catch its previews reliably
    await page.evaluate(() => {
      const seen: string[] = [];
      const previews = { strip: [] as string[], canvas: [] as string[] };
      Object.assign(window, { seen, previews });
      new MutationObserver(() => {
        const staged = document.querySelector('[data-testid=canvas-staged]');
        const what = staged?.getAttribute('data-what') ?? 'render';
        if (seen.at(-1) !== what) seen.push(what);
        if (what === 'live preview') previews.canvas.push(staged!.getAttribute('src') ?? '');
        const live = document.querySelector('[data-testid=staging-run] img');
        if (live) previews.strip.push(live.getAttribute('src') ?? '');
      }).observe(document.querySelector('[data-testid=shot-view]')!, { subtree: true, childList: true, attributes: true });
    });
    await page.getByTestId('param-strength').fill('0.5');
    await page.getByTestId('generate').click();
    // the result comes after the model's checks, adaptation and hashing into a fresh cache
    const result = page.getByTestId('staging-result');
    await result.first().waitFor({ timeout: 120_000 });
    const previews = await page.evaluate(() => (window as unknown as { previews: { strip: string[]; canvas: string[] } }).previews);
    // while it ran, the strip's tile and the canvas showed its previews (PNG data URLs), not a placeholder
    expect(previews.strip.length).toBeGreaterThan(0);
    expect(previews.canvas.length).toBeGreaterThan(0);
    for (const src of [...previews.strip, ...previews.canvas]) expect(src).toMatch(/^data:image\/png;base64,/);
    await page.locator('[data-testid=canvas-staged][data-what^="result #"]').waitFor();
    const g = await garment();
    const done = g.generations.filter((x) => x.status === 'done');
    expect(done).toHaveLength(1);
    expect(await result.first().getAttribute('data-generation')).toBe(String(done[0]!.id));
    // the result on the canvas covers the render exactly: same size and place as the canvas's image
    const [w, h] = await page.getByTestId('canvas-staged').evaluate((i) => [(i as HTMLImageElement).width, (i as HTMLImageElement).height]);
    expect([w, h]).toEqual([384, 480]);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    // from the first preview on: previews, then the result, never the bare render in between
    expect(seen.slice(seen.indexOf('live preview'))).toEqual(['live preview', `result #${done[0]!.id}`]);
    expect(await page.getByTestId('staging-run').count()).toBe(0);
    await page.screenshot({ path: artifactPath('loop-staging-result.png') });
  });

  it('accepts a result as the render\'s chosen shot and discards another with its image', async () => {
    await page.getByTestId('staging-accept').click();
    await page.locator('[data-testid=staging-result][data-chosen=true]').waitFor();
    const first = (await garment()).generations.find((x) => x.status === 'done')!;
    expect((await garment()).chosen).toEqual([{ renderId: first.renderId, generationId: first.id }]);
    expect((await page.getByTestId('staging-accept').textContent())?.trim()).toBe('Chosen shot ★');

    await generateAndWait('0.3');
    const second = (await garment()).generations.filter((x) => x.status === 'done').at(-1)!;
    expect(second.id).not.toBe(first.id);
    // the newest result is first in the strip and on the canvas; the chosen one is still the first
    expect(await page.getByTestId('staging-result').first().getAttribute('data-generation')).toBe(String(second.id));
    await page.locator(`[data-testid=canvas-staged][data-what="result #${second.id}"]`).waitFor();
    expect((await page.getByTestId('staging-accept').textContent())?.trim()).toBe('Accept as the shot');
    const status = (hash: string) => page.evaluate((h) => fetch(`/files/asset/${h}`, { cache: 'no-store' }).then((r) => r.status), hash);
    expect(await status(second.output!)).toBe(200);
    await page.getByTestId('staging-discard').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=staging-result]').length === 1);
    const after = await garment();
    expect(after.generations.map((x) => x.id)).toEqual([first.id]);
    expect(after.chosen).toEqual([{ renderId: first.renderId, generationId: first.id }]);
    // gone from the library folder (fetching it would log the 404 as a console error)
    expect(existsSync(join(dir, 'lib', 'assets', second.output!.slice(0, 2), `${second.output!.slice(2)}.png`))).toBe(false);
    expect(existsSync(join(dir, 'lib', 'assets', first.output!.slice(0, 2), `${first.output!.slice(2)}.png`))).toBe(true);
    expect(await page.getByTestId('canvas-staged').count()).toBe(0);
  });

  it('compares an older generation with a newer one, pinned from the strip', async () => {
    await generateAndWait('0.4');
    const done = (await garment()).generations.filter((x) => x.status === 'done');
    expect(done).toHaveLength(2);
    const [older, newer] = done as [Garment['generations'][number], Garment['generations'][number]];
    await page.locator(`[data-testid=staging-result][data-generation="${older.id}"]`).click();
    await page.getByTestId('staging-pin-a').click();
    await page.locator(`[data-testid=staging-result][data-generation="${newer.id}"]`).click();
    await page.getByTestId('staging-pin-b').click();
    expect(await page.locator(`[data-testid=staging-result][data-generation="${older.id}"] .caption`).textContent()).toBe(`#${older.id} ★ A`);
    await page.locator('[data-tab=compare]').click();
    await page.getByTestId('compare-view').waitFor();
    expect(await page.getByTestId('compare-a').inputValue()).toBe(`gen-${older.id}`);
    expect(await page.getByTestId('compare-b').inputValue()).toBe(`gen-${newer.id}`);
    // the history strip lists the view's renders and both generations; side by side shows only A and B
    const keys = await page.locator('[data-testid=compare-history] .item').evaluateAll((is) => is.map((i) => i.getAttribute('data-key')));
    expect(keys).toEqual(['raster', 'raytrace', `gen-${older.id}`, `gen-${newer.id}`]);
    await page.locator('[data-mode=side]').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=compare-view] .pane img, [data-testid=compare-history] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    expect(await page.locator('[data-testid=compare-view] .pane .tag').allTextContents()).toEqual([`A · Realistic #${older.id} ★`, `B · Realistic #${newer.id}`]);
    await page.screenshot({ path: artifactPath('loop-compare-older.png') });
    // the history strip picks any image: the rasterised render as A
    await page.locator('[data-testid=compare-history] [data-key=raster] [data-testid=history-a]').click();
    expect(await page.locator('[data-testid=compare-view] .pane .tag').allTextContents()).toEqual(['A · Rasterised', `B · Realistic #${newer.id}`]);
  });

  it('drags the slider divider on the image (not a pan), labels hover honestly, reads out the zoom, amplifies the difference', async () => {
    await page.locator('[data-mode=slider]').click();
    const stage = page.getByTestId('compare-stage');
    await stage.waitFor();
    const box = (await stage.boundingBox())!;
    const transformOf = () => stage.locator('img').first().evaluate((i) => (i as HTMLElement).style.transform);
    const before = await transformOf();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6, { steps: 6 });
    await page.mouse.up();
    expect(Math.abs(Number(await page.getByTestId('wipe').inputValue()) - 0.3)).toBeLessThan(0.01);
    expect(await transformOf()).toBe(before);
    await page.screenshot({ path: artifactPath('loop-compare-slider-drag.png') });

    await page.locator('[data-mode=hover]').click();
    await page.mouse.move(box.x + box.width / 2, box.y - 30);
    expect(await page.getByTestId('hover-label').textContent()).toBe(`A · Rasterised (hover to show B · Realistic #${(await garment()).generations.at(-1)!.id})`);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(() => document.querySelector('[data-testid=hover-label]')?.textContent?.startsWith('B · '));

    const zoom = page.getByTestId('compare-zoom');
    const fitted = await zoom.textContent();
    await page.keyboard.press('1');
    expect(await zoom.textContent()).toBe('100%');
    expect(fitted).not.toBe('100%');
    await page.keyboard.press('0');
    expect(await zoom.textContent()).toBe(fitted);

    await page.locator('[data-mode=difference]').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=diff-blend] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    const clip = { x: box.x + box.width * 0.3, y: box.y + box.height * 0.3, width: box.width * 0.4, height: box.height * 0.4 };
    const mean = async () => (await sharp(await page.screenshot({ clip })).stats()).channels.slice(0, 3).reduce((t, c) => t + c.mean, 0) / 3;
    const plain = await mean();
    await page.getByTestId('diff-gain').fill('8');
    expect(await page.getByTestId('diff-blend').evaluate((e) => (e as HTMLElement).style.filter)).toBe('brightness(8)');
    const amplified = await mean();
    expect(amplified).toBeGreaterThan(plain * 2);
    await page.screenshot({ path: artifactPath('loop-compare-difference-gain.png') });
  });

  it('serves its icon and has logged no console errors', async () => {
    const icon = await page.evaluate(() => fetch('/favicon.ico').then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), head: [...new Uint8Array(await r.arrayBuffer()).slice(0, 4)] })));
    // an ICO file: reserved 0, type 1
    expect(icon).toEqual({ status: 200, type: 'image/x-icon', head: [0, 0, 1, 0] });
    expect(consoleErrors).toEqual([]);
  });
});
