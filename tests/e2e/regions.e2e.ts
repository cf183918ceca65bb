// Region presets in the Shot view (issue 18): pick a preset on an avatar render, see what each
// role covers there, generate with it and read the per-region report; save an edited copy that
// outlives a reload; built-ins cannot be deleted or overwritten. Sample library with one avatar,
// the tiny demo model, a 128 px model canvas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { GenerationRegionsRecord, RenderRegionsRecord } from '../../preload/api/region-types';
import { writeSampleLibrary } from '../../main/catalog/index';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import { addModel, artifactPath, collectConsoleErrors, openStudio, type Served, type Studio } from './support';

interface Garment {
  id: number;
  renders: { id: number; view: string; kind: string }[];
  generations: { id: number; renderId: number; status: string; params: Record<string, unknown> }[];
}

const W = 192;
const H = 240;

describe('region presets in the Shot view', () => {
  let studio: Studio | undefined;
  let served: Served;
  let page: Page;
  let dir: string;
  let consoleErrors: string[] = [];
  let garmentId = 0;

  async function call<T>(path: string, args: unknown[]): Promise<T> {
    const body = JSON.stringify({ args });
    const res = (await page.evaluate(([p, b]) => fetch(`/api/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b }).then((r) => r.json()), [path, body] as const)) as { result: T };
    return res.result;
  }
  const garment = () => call<Garment>('library/garment', [garmentId]);
  const presetValue = () => page.getByTestId('region-preset').inputValue();
  const roleNames = () => page.locator('[data-testid=region-role]').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-role')));

  async function openAvatar(): Promise<void> {
    await page.goto(served.url);
    await page.locator('[data-testid=garment-card][data-sku^="AV-"]').click();
    await page.getByTestId('shot-canvas').locator('canvas').first().waitFor();
    await page.getByTestId('regions-panel').waitFor();
  }

  beforeAll(async () => {
    studio = await openStudio('r2r-regions-e2e-', async (dir) => {
      await writeSampleLibrary(join(dir, 'lib'), { garments: 1, colorways: 1, avatars: 1, views: ['front'], width: W, height: H });
      writeDemoModel(join(dir, 'tiny'), { seed: 5 });
      process.env.R2R_CACHE_DIR = join(dir, 'cache');
    }, { width: 1440, height: 1000 });
    ({ dir, served, page } = studio);
    consoleErrors = collectConsoleErrors(page);
  });

  afterAll(async () => {
    await studio?.close();
    delete process.env.R2R_CACHE_DIR;
  });

  it("picks 'garment + face realism' on an avatar render and shows each role's coverage there", async () => {
    await openAvatar();
    garmentId = (await call<{ garments: { id: number; sku: string }[] }>('library/search', [{ text: 'AV-' }])).garments.find((g) => g.sku.startsWith('AV-'))!.id;
    expect(await presetValue()).toBe('');
    await page.getByTestId('region-preset').selectOption('garment + face realism');
    await page.locator('[data-testid=region-role]').first().waitFor();
    expect(await roleNames()).toEqual(['background', 'garment', 'skin', 'face']);
    const renderId = (await garment()).renders[0]!.id;
    const regions = await call<RenderRegionsRecord>('regions/forRender', [renderId]);
    // what the panel says is the backend's count of the label mask, every role present on an avatar
    for (const r of regions.roles) {
      expect(r.pixels).toBeGreaterThan(0);
      const row = page.locator(`[data-testid=region-role][data-role=${r.role}]`);
      expect(await row.getAttribute('data-pixels')).toBe(String(r.pixels));
      expect(await row.getByTestId('region-coverage').textContent()).toBe(`${(r.coverage * 100).toFixed(1)}%`);
    }
    expect(await page.locator('[data-testid=region-role][data-role=garment] .what').textContent()).toBe('strength 0.3 · TAC 0.9');
    expect(await page.locator('[data-testid=region-role][data-role=background] .what').textContent()).toBe('kept as rendered');
    expect(await page.getByTestId('region-missing').count()).toBe(0);
    // a built-in offers a copy, never a delete
    expect(await page.getByTestId('region-delete').count()).toBe(0);

    // O shows the preset's roles in their label colours over the render (the select has focus: O there would type)
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('o');
    const overlay = page.getByTestId('region-overlay-canvas');
    await page.locator('[data-testid=region-overlay-canvas]:not([data-painted="-1"])').waitFor();
    expect(await overlay.getAttribute('data-roles')).toBe('background,garment,skin,face');
    // hair has no role: painted are exactly the pixels of the four roles
    expect(Number(await overlay.getAttribute('data-painted'))).toBe(regions.roles.reduce((t, r) => t + r.pixels, 0));
    expect(await page.getByTestId('region-overlay').isChecked()).toBe(true);
    await page.screenshot({ path: artifactPath('regions-overlay.png') });
    await page.keyboard.press('o');
    await overlay.waitFor({ state: 'detached' });
    // the help overlay lists the shortcut
    await page.keyboard.press('?');
    const listed = await page.getByTestId('help-overlay').locator('dd').evaluateAll((dds) => dds.filter((d) => d.textContent!.includes('region colours')).map((d) => [d.previousElementSibling!.textContent, d.textContent]));
    expect(listed).toEqual([['O', 'Show or hide the region colours of the Regions panel on the canvas']]);
    await page.keyboard.press('Escape');
    await page.getByTestId('help-overlay').waitFor({ state: 'detached' });
  });

  it("generates with the preset and shows the result's per-region report", async () => {
    await addModel(page, join(dir, 'tiny'));
    await page.getByTestId('param-steps').fill('20');
    await page.getByTestId('param-size').selectOption('128');
    await page.getByTestId('param-strength').fill('0.4');
    await page.getByTestId('generate').click();
    // the run is over in well under a second: wait for its final state, the report of the staged result
    const report = page.getByTestId('region-report');
    await report.waitFor({ timeout: 120_000 });
    const done = (await garment()).generations.filter((g) => g.status === 'done');
    expect(done).toHaveLength(1);
    const g = done[0]!;
    expect(await report.getAttribute('data-generation')).toBe(String(g.id));
    expect((g.params.regions as { preset: string }).preset).toBe('garment + face realism');
    // the generation's metrics.regions: the rest (the shot's strength 0.4), then each role
    const recorded = await call<GenerationRegionsRecord>('regions/report', [g.id]);
    expect(recorded.layers.map((l) => [l.name, l.strength, l.k])).toEqual([['rest', 0.4, 8], ['background', 0, 0], ['garment', 0.3, 6], ['skin', 0.5, 10], ['face', 0.5, 10]]);
    expect(recorded.layers.find((l) => l.name === 'garment')!.tacSteps).toBe(5);
    const rows = await report.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual(recorded.layers.map((l) => [l.name === 'rest' ? 'the rest' : l.name, String(l.strength), String(l.k), String(l.tacSteps), String(l.sampleEvaluations)]));
    expect(recorded.layers.find((l) => l.name === 'face')!.sampleEvaluations).toBeGreaterThan(0);
    await page.screenshot({ path: artifactPath('regions-report.png') });
  });

  it('saves an edited copy under a new name that outlives a reload, refuses a built-in name, deletes the copy', async () => {
    await page.getByTestId('region-save-as').click();
    const draft = page.getByTestId('region-draft');
    await draft.getByTestId('region-draft-name').fill('Garment + FACE realism');
    await draft.locator('fieldset[data-role=garment]').getByTestId('region-draft-strength').fill('0.2');
    await draft.getByTestId('region-draft-save').click();
    expect(await page.getByRole('alert').filter({ hasText: 'built-in preset' }).textContent()).toContain("'garment + face realism'");

    await draft.getByTestId('region-draft-name').fill('soft garment');
    await draft.getByTestId('region-draft-save').click();
    await draft.waitFor({ state: 'detached' });
    expect(await presetValue()).toBe('soft garment');
    expect(await page.locator('[data-testid=region-role][data-role=garment] .what').textContent()).toBe('strength 0.2 · TAC 0.9');
    expect(await page.getByTestId('region-delete').count()).toBe(1);

    await page.reload();
    await openAvatar();
    // remembered with the other parameters, and listed as the library's own
    expect(await presetValue()).toBe('soft garment');
    expect(await page.locator('[data-testid=region-preset] optgroup[label="This library"] option').allTextContents()).toEqual(['soft garment']);
    expect(await page.locator('[data-testid=region-role][data-role=garment] .what').textContent()).toBe('strength 0.2 · TAC 0.9');
    expect(await roleNames()).toEqual(['background', 'garment', 'skin', 'face']);

    await page.getByTestId('region-delete').click();
    await page.waitForFunction(() => (document.querySelector('[data-testid=region-preset]') as HTMLSelectElement).value === '');
    expect(await page.locator('[data-testid=region-preset] optgroup[label="This library"]').count()).toBe(0);
    const names = (await call<{ name: string; builtIn: boolean }[]>('regions/list', [])).map((p) => [p.name, p.builtIn]);
    expect(names).toEqual([['garment + face realism', true], ['new background', true]]);
  });

  it('flags every role of a preset on a render without a label mask, with the file to import', async () => {
    await page.goto(served.url);
    await page.locator('[data-testid=garment-card]:not([data-sku^="AV-"])').click();
    await page.getByTestId('shot-canvas').locator('canvas').first().waitFor();
    await page.getByTestId('region-preset').selectOption('new background');
    await page.getByTestId('region-missing').waitFor();
    const kind = await page.getByTestId('pick-kind').inputValue();
    expect((await page.getByTestId('region-missing').textContent())!.replace(/\s+/g, ' ')).toContain(`This render has no label mask, so Generate with this preset is refused. Import a label mask front_${kind}.mask.png beside the render`);
    expect(await page.locator('[data-testid=region-role]').evaluateAll((ls) => ls.map((l) => [l.getAttribute('data-role'), l.querySelector('.cover')!.textContent]))).toEqual([
      ['background', 'no pixels'], ['garment', 'no pixels'], ['skin', 'no pixels'], ['face', 'no pixels'],
    ]);
    expect(await page.getByTestId('region-overlay').isDisabled()).toBe(true);
    await page.getByTestId('region-preset').selectOption('');
    expect(await page.locator('[data-testid=region-role]').count()).toBe(0);
  });

  it('has logged no console errors but the refused save', () => {
    // the one error the browser logged is the refused save's answer
    expect(consoleErrors).toEqual([expect.stringMatching(/status of 400 .*\/api\/regions\/save\)$/)]);
  });
});
