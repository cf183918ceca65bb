import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../../main/catalog/garbage';
import { openLibrary, type Library } from '../../../main/catalog/library';
import { deleteRegionPreset, getRegionPreset, getRenderLabels, listRegionPresets, saveRegionPreset, setRenderLabels } from '../../../main/catalog/queries/region-presets';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { png, tempDir } from './helpers';

async function library(): Promise<{ lib: Library; render: number }> {
  const root = join(tempDir(), 'lib');
  await writeSampleLibrary(root, { garments: 1, width: 64, height: 80 });
  const lib = openLibrary(root);
  return { lib, render: lib.sql<[], { id: number }>('SELECT id FROM renders ORDER BY id').get()!.id };
}

describe('region presets in the library', () => {
  it('ships the two built-ins with the issue\'s settings', async () => {
    const { lib } = await library();
    const presets = listRegionPresets(lib);
    expect(presets.map((p) => [p.name, p.builtIn])).toEqual([
      ['garment + face realism', true],
      ['new background', true],
    ]);
    const realism = getRegionPreset(lib, 'garment + face realism');
    expect(realism.roles.garment).toEqual({ strength: 0.3, tacRatio: 0.9 });
    expect(realism.roles.face).toEqual({ strength: 0.5, tacRatio: 0, prompt: 'photo of a person, natural skin' });
    expect(realism.roles.skin).toEqual(realism.roles.face);
    expect(realism.roles.background).toEqual({ strength: 0 });
    expect(getRegionPreset(lib, 'new background').roles.background!.strength).toBeGreaterThan(0);
    lib.close();
  });

  it('saves, replaces and deletes the library\'s own presets and refuses to touch built-ins', async () => {
    const { lib } = await library();
    const grey = saveRegionPreset(lib, ' grey backdrop ', { background: { strength: 0, fill: '#808080' } });
    expect([grey.name, grey.builtIn]).toEqual(['grey backdrop', false]);
    const again = saveRegionPreset(lib, 'grey backdrop', { background: { strength: 0.2, fill: '#808080' } });
    expect(again.id).toBe(grey.id);
    expect(getRegionPreset(lib, grey.id).roles.background!.strength).toBe(0.2);
    expect(listRegionPresets(lib).map((p) => p.name)).toEqual(['garment + face realism', 'new background', 'grey backdrop']);
    const builtIn = getRegionPreset(lib, 'new background');
    expect(() => saveRegionPreset(lib, 'new background', { face: { strength: 1 } })).toThrow(/built-in preset and cannot be changed/);
    expect(() => deleteRegionPreset(lib, builtIn.id)).toThrow(/cannot be deleted/);
    expect(deleteRegionPreset(lib, grey.id)).toBe(true);
    expect(deleteRegionPreset(lib, grey.id)).toBe(false);
    expect(() => getRegionPreset(lib, 'grey backdrop')).toThrow(/no region preset 'grey backdrop'.*/);
    lib.close();
  });

  it('refuses bad roles with the role and setting named', async () => {
    const { lib } = await library();
    expect(() => saveRegionPreset(lib, 'x', { hair: { strength: 1 } } as never)).toThrow(/unknown role 'hair'/);
    expect(() => saveRegionPreset(lib, 'x', { face: { strength: 1.5 } })).toThrow(/face: strength must be a number in \[0, 1\]/);
    expect(() => saveRegionPreset(lib, 'x', { background: { fill: 'grey' } })).toThrow(/background: fill must be a colour/);
    expect(() => saveRegionPreset(lib, 'x', {})).toThrow(/at least one role/);
    expect(() => saveRegionPreset(lib, '  ', { face: {} })).toThrow(/needs a name/);
    expect(listRegionPresets(lib)).toHaveLength(2);
    lib.close();
  });

  it('keeps one label mask per render, the size of the render, and its asset survives garbage collection', async () => {
    const { lib, render } = await library();
    expect(getRenderLabels(lib, render)).toBeUndefined();
    await expect(setRenderLabels(lib, render, await png(32, 32, 0))).rejects.toThrow(/label mask is 32x32 but render/);
    const first = await setRenderLabels(lib, render, await png(64, 80, 10));
    const second = await setRenderLabels(lib, render, await png(64, 80, 20));
    expect(second.asset).not.toBe(first.asset);
    expect(getRenderLabels(lib, render)).toEqual(second);
    collectGarbage(lib, { minAgeMs: -1000 });
    expect(lib.sql<[string], { n: number }>('SELECT count(*) AS n FROM assets WHERE hash = ?').get(second.asset)!.n).toBe(1);
    expect(lib.sql<[string], { n: number }>('SELECT count(*) AS n FROM assets WHERE hash = ?').get(first.asset)!.n).toBe(0);
    lib.close();
  });
});
