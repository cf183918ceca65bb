import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assetRelativePath, sha256, writeAsset } from '../../../main/catalog/assets';
import { collectGarbage } from '../../../main/catalog/garbage';
import { createLibrary } from '../../../main/catalog/library';
import { storeImage } from '../../../main/catalog/queries/assets';
import { thumbnail } from '../../../main/catalog/thumbnails';
import { png, tempDir } from '../catalog/helpers';
import { expectUserError, expectUserErrorAsync } from '../support/user-error';
import { snapshot } from './file-snapshot';

/** a user folder beside the library, with a file of `bytes` length, that must stay as it is */
function userFolder(bytes: number) {
  const dir = join(tempDir(), 'user');
  mkdirSync(dir);
  writeFileSync(join(dir, 'mine.png'), Buffer.alloc(bytes, 7));
  return { dir, before: snapshot(dir) };
}

describe('the library writes only inside its own folders', () => {
  it('refuses an asset write through a folder link planted in assets/', async () => {
    const lib = createLibrary(join(tempDir(), 'lib'));
    const bytes = await png(8, 8, 1);
    const user = userFolder(10);
    const hash = sha256(bytes);
    symlinkSync(user.dir, join(lib.root, 'assets', hash.slice(0, 2)));
    expectUserError(() => writeAsset(lib.root, bytes, 'png'), new RegExp(`assets/${hash.slice(0, 2)} leads to .*user; R2R Studio writes only inside .*assets`));
    await expectUserErrorAsync(storeImage(lib, bytes), /R2R Studio writes only inside/);
    expect(snapshot(user.dir)).toEqual(user.before);
    lib.close();
  });

  it('does not take a planted file link of the right size for a stored asset, nor write through it', async () => {
    const lib = createLibrary(join(tempDir(), 'lib'));
    const bytes = await png(8, 8, 2);
    const user = userFolder(bytes.length);
    const file = join(lib.root, assetRelativePath(sha256(bytes), 'png'));
    mkdirSync(join(file, '..'), { recursive: true });
    symlinkSync(join(user.dir, 'mine.png'), file);
    expectUserError(() => writeAsset(lib.root, bytes, 'png'), /it is a symbolic link \(to .*mine\.png\)/);
    expect(snapshot(user.dir)).toEqual(user.before);
    // garbage collection neither follows nor removes what it did not make
    collectGarbage(lib, { minAgeMs: -1000 });
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(snapshot(user.dir)).toEqual(user.before);
    lib.close();
  });

  it('makes thumbnails inside thumbnails/ only: a planted folder link is refused', async () => {
    const lib = createLibrary(join(tempDir(), 'lib'));
    const asset = await storeImage(lib, await png(40, 30, 3));
    const user = userFolder(100);
    mkdirSync(join(lib.root, 'thumbnails'), { recursive: true });
    symlinkSync(user.dir, join(lib.root, 'thumbnails', asset.hash.slice(0, 2)));
    await expectUserErrorAsync(thumbnail(lib, asset.hash, 64), /thumbnails\/.. leads to .*user/);
    expect(snapshot(user.dir)).toEqual(user.before);
    lib.close();
  });

  it('neither serves, touches (mtime) nor writes through a planted thumbnail file link', async () => {
    const lib = createLibrary(join(tempDir(), 'lib'));
    const asset = await storeImage(lib, await png(40, 30, 4));
    const user = userFolder(100);
    const planted = join(lib.root, 'thumbnails', asset.hash.slice(0, 2), `${asset.hash}-64.webp`);
    mkdirSync(join(planted, '..'), { recursive: true });
    symlinkSync(join(user.dir, 'mine.png'), planted);
    await expectUserErrorAsync(thumbnail(lib, asset.hash, 64), /it is a symbolic link/);
    expect(snapshot(user.dir)).toEqual(user.before);
    lib.close();
  });

  it('still makes, caches and reuses a thumbnail written atomically', async () => {
    const lib = createLibrary(join(tempDir(), 'lib'));
    const asset = await storeImage(lib, await png(40, 30, 5));
    const first = await thumbnail(lib, asset.hash, 50);
    const again = await thumbnail(lib, asset.hash, 50);
    expect([first.cached, again.cached, first.side]).toEqual([false, true, 64]);
    expect(readFileSync(first.file).subarray(8, 12).toString('latin1')).toBe('WEBP');
    expect(existsSync(first.file)).toBe(true);
    lib.close();
  });
});
