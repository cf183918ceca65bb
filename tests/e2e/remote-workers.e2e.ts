import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeSampleLibrary } from '../../main/catalog/sample/sample-library';
import { adaptedDemoModel, freePort, RedisServer, WorkerProcess } from '../unit/remote/redis-fixture';
import { artifactPath, collectConsoleErrors, openStudio, type Studio } from './support';

describe('Settings → Remote workers in the studio, with a real redis-server and `r2r worker`', () => {
  let studio: Studio | undefined;
  let page: Page;
  let redis: RedisServer;
  let worker: WorkerProcess | undefined;
  let modelDir = '';
  let cacheDir = '';
  let errors: string[] = [];
  const url = () => `redis://:sekrit@127.0.0.1:${redis.port}`;

  beforeAll(async () => {
    ({ modelDir, cacheDir } = await adaptedDemoModel('r2r-remote-e2e-model-'));
    redis = new RedisServer(await freePort());
    await redis.start(['--requirepass', 'sekrit']);
    studio = await openStudio('r2r-remote-e2e-', (dir) => writeSampleLibrary(join(dir, 'lib'), { garments: 1, colorways: 1, views: ['front', 'back'], width: 64, height: 96 }));
    page = studio.page;
    errors = collectConsoleErrors(page);
  }, 180_000);

  afterAll(async () => {
    await worker?.kill();
    await studio?.close();
    await redis?.stop();
  });

  it('refuses a wrong password, connects with the right one, and lists a running worker', async () => {
    await page.goto(studio!.served.url);
    await page.locator('[data-tab=settings]').click();
    await page.getByTestId('remote-url-input').fill(`redis://:wrong@127.0.0.1:${redis.port}`);
    await page.getByTestId('remote-connect').click();
    await page.getByTestId('remote-error').waitFor();
    expect(await page.getByTestId('remote-error').textContent()).toMatch(/refused the password: WRONGPASS.*redis:\/\/:<password>@host:port/);
    expect(await page.getByTestId('remote-error').textContent()).not.toContain('wrong@');
    // the refusal's 400 is the browser's own log line for the answer shown above; from here on, none
    expect(errors.filter((e) => !e.includes('/api/remote/connect'))).toEqual([]);
    errors.length = 0;

    await page.getByTestId('remote-url-input').fill(url());
    await page.getByTestId('remote-connect').click();
    await page.getByTestId('remote-none').waitFor();
    expect(await page.getByTestId('remote-url').textContent()).toContain(`redis://:***@127.0.0.1:${redis.port}`);

    worker = new WorkerProcess(['--redis', url(), '--model', modelDir, '--cache-dir', cacheDir, '--threads', '1']);
    const ready = await worker.waitFor((l) => l.event === 'ready', 120_000);
    const row = page.locator(`[data-testid=remote-list] tr[data-worker="${String(ready.id)}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('td').nth(3).textContent()).toBe('1');
    expect(await row.locator('td').nth(4).textContent()).toBe('idle');
    await page.getByTestId('settings').screenshot({ path: artifactPath('remote-workers.png') });
  }, 180_000);

  it('an export with "make the shots on remote workers" is made by the worker', async () => {
    await page.locator('[data-tab=library]').click();
    await page.getByTestId('garment-card').first().waitFor();
    await page.getByTestId('open-export').click();
    await page.getByTestId('export-dialog').waitFor();
    await page.getByTestId('export-source').selectOption('realistic');
    await page.getByTestId('export-generate').selectOption('missing');
    await page.getByTestId('export-model').fill(modelDir);
    // tiny shots: the CPU runs them in seconds
    await page.getByTestId('export-shot-side').selectOption('256');
    await page.getByTestId('export-remote').check();
    const out = join(studio!.dir, 'remote-out');
    await page.getByTestId('export-out').fill(out);
    await page.getByTestId('export-size').fill('1000');
    await page.getByTestId('export-start').click();
    // generating asks first, with the count
    await page.getByTestId('confirm-cost-start').click();
    const job = page.getByTestId('export-dialog').locator('[data-testid=job]:is([data-state=done], [data-state=failed], [data-state=cancelled])').first();
    await job.waitFor({ timeout: Number(process.env.R2R_E2E_REMOTE_MS ?? 300_000) }).catch(async (err: Error) => {
      await page.screenshot({ path: artifactPath('remote-export-timeout.png') });
      throw new Error(`${err.message}\n${await page.getByTestId('export-dialog').textContent()}\nworker: ${JSON.stringify(worker!.lines)}\n${worker!.stderr}`);
    });
    expect(await job.getAttribute('data-state'), (await job.textContent()) ?? '').toBe('done');
    // both views were made by the worker process, none here
    expect(worker!.done()).toHaveLength(2);
    expect(readdirSync(out).filter((f) => f.endsWith('.jpg'))).toHaveLength(2);
    expect(errors, errors.join("\n")).toEqual([]);
  }, 360_000);
});
