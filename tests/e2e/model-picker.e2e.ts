// Models as things you pick (issue 22, item 4): a model folder and a negative embedding are added
// once, checked by the backend, shown with size, kind and adaptation state, and picked; the pick
// and the panel's other values survive a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeSampleLibrary } from '../../main/catalog/index';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import { addModel, artifactPath, collectConsoleErrors, openStudio, type Served, type Studio } from './support';

/** a safetensors embedding as the format defines it: u64 header length, JSON header, f32 data */
function writeEmbedding(path: string, rows: number, width: number): void {
  const data = new Float32Array(rows * width).map((_, i) => Math.cos(i) * 0.01);
  const header = Buffer.from(JSON.stringify({ emb_params: { dtype: 'F32', shape: [rows, width], data_offsets: [0, data.byteLength] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(path, Buffer.concat([len, header, Buffer.from(data.buffer)]));
}

describe('picking models', () => {
  let studio: Studio | undefined;
  let served: Served;
  let page: Page;
  let dir: string;
  let consoleErrors: string[] = [];

  const openShot = async () => {
    await page.getByTestId('garment-card').first().click();
    await page.getByTestId('shot-canvas').locator('canvas').first().waitFor();
  };

  beforeAll(async () => {
    studio = await openStudio('r2r-models-e2e-', async (dir) => {
      await writeSampleLibrary(join(dir, 'lib'), { garments: 1, width: 192, height: 240 });
      writeDemoModel(join(dir, 'tiny'), { seed: 2 });
      writeEmbedding(join(dir, 'render-domain.safetensors'), 1, 768);
      mkdirSync(join(dir, 'not-a-model'));
    }, { width: 1440, height: 900 });
    ({ dir, served, page } = studio);
    consoleErrors = collectConsoleErrors(page);
  });

  afterAll(async () => {
    await studio?.close();
  });

  it('refuses a folder that is not a model, with the reason', async () => {
    await page.goto(served.url);
    await openShot();
    expect(await page.getByTestId('model-select').locator('option').allTextContents()).toEqual(['No model folder added yet']);
    await page.getByTestId('model-add-toggle').click();
    await page.getByTestId('model-add-path').fill(join(dir, 'not-a-model'));
    await page.getByTestId('model-add').click();
    await page.getByTestId('model-error').waitFor();
    expect(await page.getByTestId('model-error').textContent()).toMatch(/model_index\.json|not-a-model/);
    expect(await page.getByTestId('model-select').locator('option').count()).toBe(1);
    await page.getByTestId('model-add-toggle').click();
  });

  it('adds a model folder and an embedding, shows what they are, and keeps the picks and the panel across a reload', async () => {
    await addModel(page, join(dir, 'tiny'));
    const info = await page.getByTestId('model-info').textContent();
    expect(info).toMatch(/^SD ONNX, float32, text width 768, 4 components · adapted once on first use \(\d+ self-attention layers\)$/);
    expect(await page.getByTestId('model-select').locator('option:checked').textContent()).toMatch(/^tiny · [\d.]+ (kB|MB)$/);
    await addModel(page, join(dir, 'render-domain.safetensors'), 'embedding');
    expect(await page.getByTestId('embedding-info').textContent()).toBe('render-domain: 1 vector × 768 (safetensors)');
    await page.getByTestId('param-steps').fill('37');
    await page.getByTestId('param-size').selectOption('256');
    expect(await page.getByTestId('generate').isDisabled()).toBe(false);
    await page.getByTestId('params-panel').screenshot({ path: artifactPath('models-picked.png') });

    await page.reload();
    await openShot();
    await page.waitForFunction((p) => (document.querySelector('[data-testid=model-select]') as HTMLSelectElement | null)?.value === p, join(dir, 'tiny'));
    expect(await page.getByTestId('embedding-select').inputValue()).toBe(join(dir, 'render-domain.safetensors'));
    expect(await page.getByTestId('param-steps').inputValue()).toBe('37');
    expect(await page.getByTestId('param-size').inputValue()).toBe('256');
    await page.getByTestId('params-panel').screenshot({ path: artifactPath('models-after-reload.png') });
  });

  it('logged only the refused add as an error', () => {
    // the browser reports the API's 400 answer to the refused folder; nothing else went wrong
    expect(consoleErrors).toHaveLength(1);
    expect(consoleErrors[0]).toMatch(/status of 400 .*\/api\/models\/add/);
  });
});
