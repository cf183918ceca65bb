// Generate, cancel and sweep in the studio against `r2r serve`, the sample library and the
// tiny demo model, at a small model canvas (the tiny model's attention is unfused: 768x1024
// would take gigabytes)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeSampleLibrary } from '../../main/catalog/index';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import { addModel, artifactPath, collectConsoleErrors, openStudio, type Served, type Studio } from './support';

interface Generation {
  id: number;
  renderId: number;
  status: string;
  output: string | null;
  params: Record<string, unknown>;
}

describe('generating in the studio', () => {
  let studio: Studio | undefined;
  let served: Served;
  let page: Page;
  let dir: string;

  async function call<T>(path: string, args: unknown[]): Promise<T> {
    const body = JSON.stringify({ args });
    const res = (await page.evaluate(([p, b]) => fetch(`/api/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b }).then((r) => r.json()), [path, body] as const)) as { result: T };
    return res.result;
  }

  let sku = '';
  /** the catalog's generations of the garment in the shot editor, oldest first */
  async function garment(): Promise<{ generations: Generation[]; renders: { id: number; asset: string; kind: string }[] }> {
    const page1 = await call<{ garments: { id: number }[] }>('library/search', [{ text: sku }]);
    return call('library/garment', [page1.garments[0]!.id]);
  }
  const generations = async () => (await garment()).generations;

  /** the share of pixels two library images have exactly equal (decoded in the page) */
  function sameShare(a: string, b: string): Promise<number> {
    return page.evaluate(async ([ua, ub]) => {
      const load = (u: string) => new Promise<HTMLImageElement>((res, rej) => Object.assign(new Image(), { onload(this: HTMLImageElement) { res(this); }, onerror: rej, src: u }));
      const px = (img: HTMLImageElement) => {
        const c = Object.assign(document.createElement('canvas'), { width: img.naturalWidth, height: img.naturalHeight });
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        return ctx.getImageData(0, 0, c.width, c.height).data;
      };
      const [pa, pb] = [px(await load(ua)), px(await load(ub))];
      let same = 0;
      for (let i = 0; i < pa.length; i += 4) if (pa[i] === pb[i] && pa[i + 1] === pb[i + 1] && pa[i + 2] === pb[i + 2]) same++;
      return same / (pa.length / 4);
    }, [`/files/asset/${a}`, `/files/asset/${b}`] as const);
  }

  let consoleErrors: string[] = [];

  beforeAll(async () => {
    studio = await openStudio('r2r-generate-e2e-', async (dir) => {
      await writeSampleLibrary(join(dir, 'lib'), { garments: 2, width: 384, height: 480 });
      writeDemoModel(join(dir, 'tiny'), { seed: 3 });
      process.env.R2R_CACHE_DIR = join(dir, 'cache');
    });
    ({ dir, served, page } = studio);
    consoleErrors = collectConsoleErrors(page);
  });

  afterAll(async () => {
    await studio?.close();
    delete process.env.R2R_CACHE_DIR;
  });

  it('generates a shot: progress with live previews, then the result', async () => {
    await page.goto(served.url);
    sku = (await page.getByTestId('garment-card').first().getAttribute('data-sku'))!;
    await page.getByTestId('garment-card').first().click();
    await page.getByTestId('shot-canvas').locator('canvas').first().waitFor();
    const generate = page.getByTestId('generate');
    // enabled once the backend says it has the kind and a model folder is given
    await page.waitForFunction(() => document.querySelector('[data-testid=generate-why]')?.textContent?.includes('model folder'));
    expect(await generate.isDisabled()).toBe(true);
    await addModel(page, join(dir, 'tiny'));
    await page.getByTestId('param-steps').fill('100');
    await page.getByTestId('param-strength').fill('0.6');
    await page.getByTestId('param-size').selectOption('128');
    expect(await page.getByTestId('tac-steps').textContent()).toBe('TAC steps: 54 of 60');
    expect(await generate.isDisabled()).toBe(false);

    // an edit-mask stroke across the middle, not saved: Generate saves it, the shot changes only there
    const box = (await page.getByTestId('shot-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 0; i <= 10; i++) await page.mouse.move(box.x + box.width * (0.4 + i * 0.02), box.y + box.height / 2);
    await page.mouse.up();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=mask-status]')?.getAttribute('data-edit-coverage')) > 0);
    expect((await page.getByTestId('save-masks').textContent())?.trim()).toBe('Save masks');

    // every progress value and preview the queue shows, as it changes
    await page.evaluate(() => {
      const seen = { steps: [] as number[], max: 0, previews: 0 };
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() => {
        const job = document.querySelector('[data-testid=job]');
        const bar = job?.querySelector('progress');
        if (bar) {
          if (seen.steps.at(-1) !== bar.value) seen.steps.push(bar.value);
          seen.max = bar.max;
        }
        if (job?.querySelector('img.preview[alt^="live preview"]')) seen.previews++;
      }).observe(document.querySelector('[data-testid=queue-panel]')!, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await generate.click();
    const job = page.getByTestId('job').first();
    // the run's previews last under a second on the tiny model: the observer above counts them; the
    // screenshot is of the running job (its model load and adaptation take seconds)
    await page.locator('[data-testid=job][data-state=running]').first().waitFor({ timeout: 60_000 });
    await page.evaluate(() => document.querySelector('[data-testid=job]')?.scrollIntoView({ block: 'end' }));
    await page.screenshot({ path: artifactPath('generate-progress.png') });
    await page.locator('[data-testid=job][data-state=done]').first().waitFor({ timeout: 120_000 });
    const seen = (await page.evaluate(() => (window as unknown as { seen: { steps: number[]; max: number; previews: number } }).seen));
    expect(seen.max).toBe(120);
    expect(seen.steps.filter((s) => s > 0 && s < 120).length).toBeGreaterThan(3);
    expect(seen.previews).toBeGreaterThan(0);
    expect(await job.locator('.kind').textContent()).toBe('generate');

    const result = page.getByTestId('job-result');
    await page.waitForFunction(() => ((document.querySelector('[data-testid=job-result]') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
    // the output keeps the render's size
    expect(await result.evaluate((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight])).toEqual([384, 480]);
    await page.screenshot({ path: artifactPath('generate-done.png') });
    expect((await page.getByTestId('save-masks').textContent())?.trim()).toBe('Saved');
    const g = await garment();
    expect(g.generations.map((x) => x.status)).toEqual(['done']);
    expect(g.generations[0]!.params).toMatchObject({ steps: 100, strength: 0.6, maxSide: 128 });
    const render = g.renders.find((r) => r.id === g.generations[0]!.renderId)!;
    const same = await sameShare(render.asset, g.generations[0]!.output!);
    // outside the stroke (most of the render) the pixels are the render's
    expect(same).toBeGreaterThan(0.8);
    expect(same).toBeLessThan(0.999);
  });

  it('shows the realistic output next to the render it was made from in compare', async () => {
    await page.getByRole('button', { name: 'Compare with the render' }).click();
    await page.getByTestId('compare-view').waitFor();
    // side by side shows A and B: the button opens compare on the result (B) and the render it was made from (A)
    const g = await garment();
    const made = g.generations.find((x) => x.status === 'done')!;
    const realistic = `gen-${made.id}`;
    const from = g.renders.find((r) => r.id === made.renderId)!.kind;
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=compare-view] .pane img').length === 2);
    expect([await page.getByTestId('compare-a').inputValue(), await page.getByTestId('compare-b').inputValue()]).toEqual([from, realistic]);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=compare-view] .pane img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    const labels = await page.locator('[data-testid=compare-view] .pane img').evaluateAll((is) => is.map((i) => i.getAttribute('alt')));
    expect(labels).toEqual([{ raster: 'Rasterised', raytrace: 'Ray-traced', photo: 'Photo' }[from], `Realistic #${made.id}`]);
    await page.screenshot({ path: artifactPath('generate-compare-side.png') });
    await page.locator('[data-mode=slider]').click();
    expect(await page.getByTestId('compare-b').inputValue()).toBe(realistic);
    await page.getByTestId('compare-stage').locator('img.top[alt^=Realistic]').waitFor();
    await page.screenshot({ path: artifactPath('generate-compare-slider.png') });
  });

  it('cancels a running generation', async () => {
    await page.locator('[data-tab=shot]').click();
    await page.getByTestId('shot-canvas').locator('canvas').first().waitFor();
    await page.getByTestId('param-steps').fill('400');
    await page.getByTestId('param-strength').fill('1');
    await page.getByTestId('generate').click();
    const job = page.locator('[data-testid=job]').first();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=job][data-state=running] progress')?.getAttribute('value')) > 2, undefined, { timeout: 60_000 });
    await job.getByTestId('cancel-job').click();
    await page.locator('[data-testid=job][data-state=cancelled]').first().waitFor({ timeout: 30_000 });
    const stoppedAt = Number(await job.locator('progress').getAttribute('value'));
    expect(stoppedAt).toBeLessThan(800);
    await page.getByTestId('queue-panel').screenshot({ path: artifactPath('generate-cancelled.png') });
    const gens = await generations();
    expect(gens.map((g) => g.status)).toEqual(['done', 'cancelled']);
  });

  it('sweeps TAC ratio x strength as a contact sheet; a cell sets its parameters', async () => {
    await page.getByTestId('param-steps').fill('20');
    await page.getByTestId('param-strength').fill('0.3');
    await page.locator('summary', { hasText: 'Sweep grid' }).click();
    await page.getByTestId('sweep-ratios').fill('0, 0.5, 1');
    await page.getByTestId('sweep-strengths').fill('0.2, 0.4');
    await page.getByTestId('sweep').click();
    // a sweep says what it costs and asks first
    expect(await page.getByTestId('confirm-cost-text').textContent()).toMatch(/^Sweep: 6 shots in one job, about /);
    await page.getByTestId('confirm-cost-start').click();
    await page.getByTestId('sweep-sheet').waitFor({ timeout: 120_000 });
    const cells = page.getByTestId('sweep-cell');
    expect(await cells.count()).toBe(6);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=sweep-cell] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    await page.getByTestId('queue-panel').screenshot({ path: artifactPath('generate-sweep-sheet.png') });
    await page.locator('[data-testid=sweep-cell][data-tac="1"][data-strength="0.4"]').click();
    expect(Number(await page.getByTestId('param-strength').inputValue())).toBe(0.4);
    expect(Number(await page.getByTestId('param-tac').inputValue())).toBe(1);
    expect(await page.getByTestId('tac-steps').textContent()).toBe('TAC steps: 8 of 8');
    const gens = await generations();
    expect(gens.filter((g) => g.status === 'done').length).toBe(1 + 6);
  });

  it('generates an outfit from the Combos view: one job per garment view, linked to the outfit', async () => {
    // the parameters panel's values carry over: model, 20 steps, strength 0.4 (the sweep cell), 128 px
    await page.locator('[data-tab=combos]').click();
    await page.getByTestId('combo-add').nth(1).waitFor();
    await page.getByTestId('combo-add').nth(0).click();
    await page.getByTestId('combo-add').nth(1).click();
    const rows = page.getByTestId('combo-item');
    const skus = await rows.locator('.sku').allTextContents();
    expect(skus).toHaveLength(2);
    // the second garment in one of its (two) colorways, the first in both
    const colorway = page.getByLabel(`Colorway of ${skus[1]}`);
    await colorway.selectOption({ label: (await colorway.locator('option').nth(1).textContent())! });
    await page.getByTestId('combo-name').fill('Studio look');
    await page.getByTestId('combo-save').click();
    await page.getByTestId('combo').filter({ hasText: 'Studio look' }).waitFor();
    await page.getByTestId('combo-gen-view').selectOption('front');
    await page.getByTestId('combo-gen-kind').selectOption('raytrace');
    expect(await page.getByTestId('combo-model').getByTestId('model-select').inputValue()).toBe(join(dir, 'tiny'));
    const button = page.getByTestId('combo-generate');
    await page.waitForFunction(() => !(document.querySelector('[data-testid=combo-generate]') as HTMLButtonElement | null)?.disabled);
    const planned = 2 + 1;
    expect((await button.textContent())?.trim()).toBe(`Generate outfit (${planned})`);
    await button.click();
    await page.waitForFunction(
      (n) => {
        const jobs = [...document.querySelectorAll('[data-testid=combos-view] [data-testid=job]')].slice(0, n);
        return jobs.length === n && jobs.every((j) => j.getAttribute('data-state') === 'done' || j.getAttribute('data-state') === 'failed');
      },
      planned,
      { timeout: 120_000 },
    );
    await page.screenshot({ path: artifactPath('generate-outfit.png') });
    const combo = (await call<{ id: number; name: string }[]>('combos/list', [])).find((c) => c.name === 'Studio look')!;
    const found = await call<{ garments: { id: number; sku: string }[] }>('library/search', [{}]);
    const made: { sku: string; gen: Generation; render: { id: number; view: string; kind: string; colorway: string } }[] = [];
    for (const g of found.garments.filter((x) => skus.includes(x.sku))) {
      const detail = await call<{ generations: Generation[]; renders: { id: number; view: string; kind: string; colorway: string }[] }>('library/garment', [g.id]);
      for (const gen of detail.generations.filter((x) => x.params.comboId === combo.id)) made.push({ sku: g.sku, gen, render: detail.renders.find((r) => r.id === gen.renderId)! });
    }
    expect(made.map((m) => m.gen.status)).toEqual(Array(planned).fill('done'));
    expect(made.every((m) => m.render.view === 'front' && m.render.kind === 'raytrace')).toBe(true);
    expect(made.filter((m) => m.sku === skus[0]).map((m) => m.render.colorway)).toHaveLength(2);
    expect(made.filter((m) => m.sku === skus[1])).toHaveLength(1);
    // one seed for the whole outfit, the parameters panel's settings
    expect(new Set(made.map((m) => m.gen.params.seed)).size).toBe(1);
    expect(made[0]!.gen.params).toMatchObject({ steps: 20, strength: 0.4, maxSide: 128 });
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
