import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAssetLeftover } from '../../../main/catalog/assets';
import { collectGarbage } from '../../../main/catalog/garbage';
import { copyLibrary, createLibrary } from '../../../main/catalog/library';
import { storeImage } from '../../../main/catalog/queries/assets';
import { png, tempDir } from '../catalog/helpers';

describe('leftovers of the one atomic write in a library', () => {
  it('are recognised by garbage collection and the library copy, in the atomic write\'s naming and the older .tmp one', async () => {
    const lib = createLibrary(join(tempDir(), 'lib'));
    const kept = await storeImage(lib, await png(8, 8, 9));
    const folder = join(lib.root, 'assets', kept.hash.slice(0, 2));
    const killed = join(folder, '.0123456789ab.4242.x1y2z3.r2r-tmp');
    const older = join(folder, `${kept.hash.slice(2)}.png.77.abcd.tmp`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(killed, 'half an image');
    writeFileSync(older, 'half an image');
    expect([isAssetLeftover('.0123456789ab.4242.x1y2z3.r2r-tmp'), isAssetLeftover('a.png.1.tmp'), isAssetLeftover(`${kept.hash.slice(2)}.png`)]).toEqual([true, true, false]);

    const copy = await copyLibrary(lib.root, join(tempDir(), 'copy'));
    expect(readdirSync(join(copy, 'assets', kept.hash.slice(0, 2)))).toEqual([`${kept.hash.slice(2)}.png`]);

    const hourAgo = new Date(Date.now() - 2 * 3_600_000);
    for (const f of [killed, older]) utimesSync(f, hourAgo, hourAgo);
    expect(collectGarbage(lib).files).toBe(2);
    expect([existsSync(killed), existsSync(older), existsSync(join(lib.root, kept.path))]).toEqual([false, false, true]);
    lib.close();
  });
});
