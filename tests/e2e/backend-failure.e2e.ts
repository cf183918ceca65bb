// When the backend fails at start the studio says what failed (message and hint) and offers a
// Retry, instead of claiming the engine is missing from the build.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Page } from 'playwright-core';
import { runCli } from '../../main/cli/index';
import { artifactPath, openStudio, type Studio } from './support';

const failure = {
  code: 'library-unreadable',
  message: 'cannot read the library at /srv/lib: the disk is gone',
  hint: 'Reconnect the drive that holds the library, then retry.',
};

async function bannerText(page: Page): Promise<{ message: string; hint: string }> {
  await page.getByTestId('backend-failure').waitFor();
  return {
    message: (await page.getByTestId('backend-failure-message').textContent()) ?? '',
    hint: (await page.getByTestId('backend-failure-hint').textContent()) ?? '',
  };
}

describe('a backend that fails at start', () => {
  let studio: Studio | undefined;

  beforeAll(async () => {
    studio = await openStudio('r2r-backend-failure-e2e-', async (dir) => {
      const code = await runCli(['sample-library', join(dir, 'lib'), '--garments', '2', '--width', '96', '--height', '120', '--json'], { stdout: new PassThrough(), stderr: new PassThrough() });
      expect(code).toBe(0);
    });
  });

  afterAll(async () => {
    await studio?.close();
  });

  it('shows the error body of a failed call (HTTP 500) with its hint and a Retry that recovers', async () => {
    const { page, served } = studio!;
    let asked = 0;
    await page.route('**/api/studio/capabilities', (route) => {
      asked++;
      return route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: failure }) });
    });
    await page.goto(served.url);
    expect(await bannerText(page)).toEqual({ message: failure.message, hint: failure.hint });
    expect(await page.getByTestId('backend-retry').isEnabled()).toBe(true);
    // the library still opens, and a shot's Generate explains itself by the same failure, not by a missing engine
    await page.getByTestId('garment-card').first().click();
    const why = page.getByTestId('generate-why');
    await why.waitFor();
    expect(await why.textContent()).toBe(`The backend failed: ${failure.message}`);
    expect(await page.getByTestId('generate').isDisabled()).toBe(true);
    expect((await page.locator('body').textContent()) ?? '').not.toContain('not in this build');
    await page.screenshot({ path: artifactPath('backend-failure.png') });

    await page.unroute('**/api/studio/capabilities');
    await page.getByTestId('backend-retry').click();
    await page.getByTestId('backend-failure').waitFor({ state: 'detached' });
    expect(asked).toBe(1);
    // the backend answered: Generate now waits only for what the user has to give
    await page.waitForFunction(() => document.querySelector('[data-testid=generate-why]')?.textContent === 'Choose a model folder first.');
  });

  it('says what to check when the server does not answer at all', async () => {
    const { page, served } = studio!;
    await page.route('**/api/library/current', (route) => route.abort('connectionrefused'));
    await page.goto(served.url);
    const shown = await bannerText(page);
    expect(shown.message).toMatch(/fetch/i);
    expect(shown.hint).toContain('r2r serve');
    await page.screenshot({ path: artifactPath('backend-failure-no-answer.png') });
    await page.unroute('**/api/library/current');
    await page.getByTestId('backend-retry').click();
    await page.getByTestId('backend-failure').waitFor({ state: 'detached' });
    await page.getByTestId('garment-card').first().waitFor();
  });
});
