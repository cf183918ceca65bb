import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinPresetNames, chooseFormat, loadPreset, parsePreset, withLongestSide } from '../../../main/export/presets';
import { tempDir } from './fixtures';

describe('built-in presets', () => {
  it('ships amazon, shopify and zalando, each valid', () => {
    expect(builtinPresetNames()).toEqual(['amazon', 'shopify', 'zalando']);
    for (const n of builtinPresetNames()) expect(loadPreset(n).name).toBe(n);
  });

  it('amazon: white, 85% fill, 2000 px longest side, never under 1000, JPEG, SKU.SLOT names', () => {
    const p = loadPreset('amazon');
    expect(p.background).toEqual({ r: 255, g: 255, b: 255 });
    expect(p.fill).toBeGreaterThanOrEqual(0.85);
    expect(Math.max(p.canvas.width, p.canvas.height)).toBe(2000);
    expect(p.minLongestSide).toBe(1000);
    expect(p.formats).toEqual(['jpeg']);
    expect(p.naming.template).toBe('{sku}.{slot}.{ext}');
    expect(withLongestSide(p, 1000).canvas).toEqual({ width: 1000, height: 1000 });
    expect(() => withLongestSide(p, 999)).toThrow(/under the Amazon minimum of 1000 px/);
  });

  it('zalando: portrait 1:1.44 at 1801x2600, JPEG, white', () => {
    const p = loadPreset('zalando');
    expect(p.canvas).toEqual({ width: 1801, height: 2600 });
    expect(p.canvas.height / p.canvas.width).toBeCloseTo(1.44, 2);
    expect(p.formats).toEqual(['jpeg']);
    expect(p.background).toEqual({ r: 255, g: 255, b: 255 });
    expect(withLongestSide(p, 1440).canvas).toEqual({ width: 997, height: 1440 });
  });

  it('shopify: 2048 square, JPEG or WebP', () => {
    const p = loadPreset('shopify');
    expect(p.canvas).toEqual({ width: 2048, height: 2048 });
    expect(chooseFormat(p)).toBe('jpeg');
    expect(chooseFormat(p, 'webp')).toBe('webp');
    expect(() => chooseFormat(p, 'png')).toThrow(/does not allow format 'png'/);
  });
});

describe('custom presets', () => {
  const good = {
    name: 'my-shop',
    title: 'My shop',
    canvas: { width: 1200, height: 1500 },
    fill: 0.8,
    formats: ['png', 'jpeg'],
    naming: { template: '{sku}_{view}.{ext}' },
  };

  it('loads a JSON file and fills defaults', () => {
    const dir = tempDir();
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify(good));
    const p = loadPreset(file);
    expect(p.background).toEqual({ r: 255, g: 255, b: 255 });
    expect(p.quality).toBe(90);
    expect(p.naming.slots).toEqual({ main: 'MAIN', back: 'BACK', other: 'PT{nn}' });
    expect(chooseFormat(p)).toBe('png');
  });

  it('names every bad field in one clear error', () => {
    const bad = { ...good, canvas: { width: 0, height: 1500 }, fill: 1.5, formats: ['gif'], naming: { template: '{sku}_{colour}.png' }, extra: 1 };
    let message = '';
    try {
      parsePreset(bad, 'mine.json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^preset mine\.json is invalid:/);
    expect(message).toMatch(/canvas\.width: .*>=16/);
    expect(message).toMatch(/fill: .*<=1/);
    expect(message).toMatch(/formats\.0: /);
    expect(message).toMatch(/\(preset\): .*extra/);
  });

  it('checks the naming template once the shape is right', () => {
    expect(() => parsePreset({ ...good, naming: { template: '{sku}_{colour}.png' } }, 'x.json')).toThrow(
      /naming\.template: unknown placeholder \{colour\}[\s\S]*naming\.template: must end with \.\{ext\}/,
    );
  });

  it('says what is wrong with a file that is not JSON or is missing', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.json'), '{ "name": ');
    expect(() => loadPreset(join(dir, 'broken.json'))).toThrow(/broken\.json is not valid JSON/);
    expect(() => loadPreset(join(dir, 'none.json'))).toThrow(/cannot read preset file .*none\.json/);
    expect(() => loadPreset('ebay')).toThrow(/unknown preset 'ebay'/);
  });
});
