// The queue drawer against `r2r serve`, the sample library and the tiny demo model at 128 px:
// queued generate jobs shown with their render and settings, reordered, Cancel all (cancelled,
// never an error), Clear finished, and the queue kept in the library across a server restart
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeSampleLibrary } from '../../main/catalog/index';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import { addModel, artifactPath, collectConsoleErrors, openStudio, startServe, type Served, type Studio } from './support';

describe('the queue drawer', () => {
  let studio: Studio | undefined;
  let served: Served;
  let restarted: Served | undefined;
  let page: Page;
  let dir: string;
  let consoleErrors: string[] = [];

  const rows = () => page.getByTestId('queue-row');
  const rowStates = () => rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
  const rowIds = () => rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));

  async function queueGenerate(strength: string): Promise<void> {
    await page.getByTestId('param-strength').fill(strength);
    await page.getByTestId('generate').click();
  }

  beforeAll(async () => {
    studio = await openStudio('r2r-queue-drawer-e2e-', async (d) => {
      await writeSampleLibrary(join(d, 'lib'), { garments: 1, colorways: 1, views: ['front'], width: 128, height: 160 });
      writeDemoModel(join(d, 'tiny'), { seed: 3 });
      process.env.R2R_CACHE_DIR = join(d, 'cache');
    });
    ({ dir, served, page } = studio);
    consoleErrors = collectConsoleErrors(page);
  });

  afterAll(async () => {
    await restarted?.stop();
    await studio?.close();
    delete process.env.R2R_CACHE_DIR;
  });

  it('lists queued jobs with their render and settings, reorders them, and Cancel all reports cancelled', async () => {
    await page.goto(served.url);
    const sku = (await page.getByTestId('garment-card').first().getAttribute('data-sku'))!;
    await page.getByTestId('garment-card').first().click();
    await page.getByTestId('shot-canvas').locator('canvas').first().waitFor();
    await addModel(page, join(dir, 'tiny'));
    await page.getByTestId('param-steps').fill('10');
    await page.getByTestId('param-size').selectOption('128');

    // paused, so the jobs wait in the queue
    await page.getByTestId('queue-toggle').click();
    await page.getByTestId('queue-pause').click();
    await page.getByTestId('queue-resume').waitFor();
    await page.getByTestId('queue-close').click();
    for (const s of ['0.3', '0.5', '0.7']) await queueGenerate(s);
    await page.waitForFunction(() => document.querySelector('[data-testid=queue-count]')?.textContent === '3');
    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('q');
    await page.getByTestId('queue-drawer').waitFor();
    expect(await rowStates()).toEqual(['queued', 'queued', 'queued']);
    const first = rows().first();
    expect(await first.textContent()).toContain(`${sku} ·`);
    expect(await first.textContent()).toContain('strength 0.3 · TAC');
    expect(await first.textContent()).toContain('10 steps · 128 px');
    expect(await first.locator('img.thumb').count()).toBe(1);

    // Alt+Up moves the last job to the middle
    const before = await rowIds();
    await rows().nth(2).focus();
    await page.keyboard.press('Alt+ArrowUp');
    await page.waitForFunction((want) => [...document.querySelectorAll('[data-testid=queue-row]')].map((e) => e.getAttribute('data-id')).join() === want, [before[0], before[2], before[1]].join());

    await page.getByTestId('queue-cancel-all').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=queue-row]')].every((e) => e.getAttribute('data-state') === 'cancelled'));
    expect(await page.getByTestId('queue-drawer').locator('.error').count()).toBe(0);
    await page.getByTestId('queue-drawer').screenshot({ path: artifactPath('queue-drawer.png') });
    await page.getByTestId('queue-clear').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=queue-row]').length === 0);
  });

  it('keeps queued jobs in the library: after a server restart they are back, in order and paused', async () => {
    await page.getByTestId('queue-close').click();
    for (const s of ['0.3', '0.4', '0.6']) await queueGenerate(s);
    await page.getByTestId('queue-toggle').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=queue-row][data-state=queued]').length === 3);
    const order = await rowIds();

    await served.stop();
    restarted = await startServe(['--library', join(dir, 'lib')]);
    await page.goto(restarted.url);
    // the old page's reconnect attempts to the stopped server are not the studio's errors
    consoleErrors.splice(0);
    await page.getByTestId('queue-toggle').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=queue-row][data-state=queued]').length === 3);
    expect(await rowIds()).toEqual(order);
    expect(await page.getByTestId('queue-drawer').getAttribute('data-paused')).toBe('true');
    expect(await rows().first().getByTestId('queue-row-note').textContent()).toBe('kept across a restart');
    await page.getByTestId('queue-drawer').screenshot({ path: artifactPath('queue-restored.png') });

    // resumed, the first one runs to the end; the rest are cancelled
    await page.getByTestId('queue-resume').click();
    await page.waitForFunction((id) => document.querySelector(`[data-testid=queue-row][data-id="${id}"]`)?.getAttribute('data-state') === 'done', order[0], { timeout: 90_000 });
    await page.getByTestId('queue-cancel-all').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=queue-row]')].every((e) => ['done', 'cancelled'].includes(e.getAttribute('data-state')!)));
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});
