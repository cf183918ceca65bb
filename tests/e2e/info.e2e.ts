import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import type { Browser } from 'playwright-core';
import { runCli } from '../../main/cli/index';
import { artifactPath, launchBrowser, startServe, type Served } from './support';

async function cliInfo(): Promise<{ version: string; node: string; onnxruntime: string; platform: string; arch: string; providers: { name: string; starts: boolean }[] }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const code = await runCli(['info', '--json'], { stdout, stderr: new PassThrough() });
  expect(code).toBe(0);
  return JSON.parse(out);
}

describe('browser mode', () => {
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    served = await startServe();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('shows the same info as `r2r info`', async () => {
    const expected = await cliInfo();
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    await page.goto(served.url);
    // the studio opens on the library; About is one tab away
    await page.locator('[data-tab=about]').click();
    await page.getByTestId('providers').waitFor();
    expect(await page.getByTestId('info-version').textContent()).toBe(expected.version);
    expect(await page.getByTestId('info-node').textContent()).toBe(expected.node);
    expect(await page.getByTestId('info-onnxruntime').textContent()).toBe(expected.onnxruntime);
    expect(await page.getByTestId('info-platform').textContent()).toBe(`${expected.platform}/${expected.arch}`);
    for (const p of expected.providers) {
      const row = page.locator(`tr[data-provider="${p.name}"]`);
      expect(await row.getAttribute('data-starts')).toBe(String(p.starts));
    }
    await page.screenshot({ path: artifactPath('info.png'), fullPage: true });
  });
});
