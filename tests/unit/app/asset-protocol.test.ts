import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assetUrl, resolveAssetRequest } from '../../../main/app/asset-protocol';
import { resolveAppRequest } from '../../../main/app/app-protocol';

let base: string;
let lib: string;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'r2r-assets-')));
  lib = join(base, 'My Library');
  mkdirSync(join(lib, 'assets/ab'), { recursive: true });
  mkdirSync(join(lib, 'thumbnails'));
  mkdirSync(join(lib, 'folder.png'));
  writeFileSync(join(lib, 'assets/ab/shirt red.png'), 'png bytes');
  writeFileSync(join(lib, 'thumbnails/t.webp'), 'webp bytes');
  writeFileSync(join(lib, 'library.r2r.sqlite'), 'db');
  // files beside the library that must never be served
  writeFileSync(join(base, 'secret.png'), 'outside');
  mkdirSync(join(base, 'outside-dir'));
  writeFileSync(join(base, 'outside-dir/x.png'), 'outside');
  symlinkSync(join(base, 'secret.png'), join(lib, 'assets/link-out.png'));
  symlinkSync(join(base, 'outside-dir'), join(lib, 'assets/dir-out'));
  symlinkSync(join(lib, 'assets/ab/shirt red.png'), join(lib, 'assets/link-in.png'));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('the r2r-asset:// protocol', () => {
  it('serves images inside the open library, encoded names included', async () => {
    const a = await resolveAssetRequest('r2r-asset://library/assets/ab/shirt%20red.png', lib);
    expect(a).toEqual({ status: 200, file: join(lib, 'assets/ab/shirt red.png'), type: 'image/png', size: 9 });
    expect((await resolveAssetRequest(assetUrl('assets/ab/shirt red.png'), lib)).status).toBe(200);
    expect(await resolveAssetRequest('r2r-asset://library/thumbnails/t.webp', lib, 'HEAD')).toMatchObject({ status: 200, type: 'image/webp' });
    expect(await resolveAssetRequest('r2r-asset://library/assets/link-in.png', lib)).toMatchObject({ status: 200, file: join(lib, 'assets/ab/shirt red.png') });
  });

  it.each([
    ['encoded slashes', 'r2r-asset://library/assets/..%2f..%2fsecret.png'],
    ['encoded upper-case slashes', 'r2r-asset://library/assets/..%2F..%2Fsecret.png'],
    ['encoded backslashes', 'r2r-asset://library/assets/..%5c..%5csecret.png'],
    ['raw backslashes', 'r2r-asset://library/assets\\..\\..\\secret.png'],
    ['a symlink to a file outside', 'r2r-asset://library/assets/link-out.png'],
    ['a symlinked folder outside', 'r2r-asset://library/assets/dir-out/x.png'],
    ['a NUL byte', 'r2r-asset://library/assets/ab/shirt%20red.png%00.png'],
  ])('refuses %s', async (_what, url) => {
    const a = await resolveAssetRequest(url, lib);
    expect(a).toEqual({ status: 404, reason: 'no such file in the open library' });
  });

  it('serves only images, never the database or other files', async () => {
    expect(await resolveAssetRequest('r2r-asset://library/library.r2r.sqlite', lib)).toEqual({ status: 403, reason: 'only image files are served' });
  });

  it('never reaches above the library with dot segments, plain or encoded', async () => {
    for (const url of ['r2r-asset://library/../secret.png', 'r2r-asset://library/assets/../../secret.png', 'r2r-asset://library/%2e%2e/secret.png', 'r2r-asset://library/.%2E/.%2e/secret.png']) {
      const a = await resolveAssetRequest(url, lib);
      // dot segments collapse at the root: the name is looked up inside the library, where it does not exist
      expect(a.status, url).toBe(404);
    }
  });

  it('answers only for the library host, GET/HEAD, and an open library', async () => {
    expect((await resolveAssetRequest('r2r-asset://elsewhere/assets/ab/shirt%20red.png', lib)).status).toBe(400);
    expect((await resolveAssetRequest('r2r-asset://user:pw@library/assets/ab/shirt%20red.png', lib)).status).toBe(400);
    expect((await resolveAssetRequest('https://library/assets/ab/shirt%20red.png', lib)).status).toBe(400);
    expect((await resolveAssetRequest('r2r-asset://library/assets/ab/shirt%20red.png', lib, 'POST')).status).toBe(405);
    expect(await resolveAssetRequest('r2r-asset://library/assets/ab/shirt%20red.png', undefined)).toEqual({ status: 404, reason: 'no library is open' });
    expect((await resolveAssetRequest('r2r-asset://library/folder.png', lib)).status).toBe(404);
    expect((await resolveAssetRequest('r2r-asset://library/assets/missing.png', lib)).status).toBe(404);
  });
});

describe('the r2r-app:// protocol', () => {
  it('serves the built UI and nothing else', async () => {
    const ui = join(base, 'renderer');
    mkdirSync(join(ui, 'assets'), { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<!doctype html>');
    writeFileSync(join(ui, 'assets/app.js'), 'export {}');
    expect(await resolveAppRequest('r2r-app://studio/', ui)).toMatchObject({ status: 200, file: join(ui, 'index.html'), type: 'text/html; charset=utf-8' });
    expect(await resolveAppRequest('r2r-app://studio/assets/app.js', ui)).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect((await resolveAppRequest('r2r-app://studio/..%2fsecret.png', ui)).status).toBe(404);
    expect((await resolveAppRequest('r2r-app://studio/../secret.png', ui)).status).toBe(404);
    expect((await resolveAppRequest('r2r-app://other/index.html', ui)).status).toBe(400);
  });
});
