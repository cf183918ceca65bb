import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { resolveAssetRequest } from '../../../main/app/asset-protocol';
import { resolveAppRequest } from '../../../main/app/app-protocol';
import { assetFile, createLibrary, storeImage, type Library } from '../../../main/catalog/index';
import { resolveLibraryFile } from '../../../main/api/library-files';

let base: string;
let lib: Library;
let red: string;
let blue: string;

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'r2r-assets-')));
  lib = createLibrary(join(base, 'My Library'));
  const png = (r: number) => sharp({ create: { width: 30, height: 20, channels: 3, background: { r, g: 0, b: 0 } } }).png().toBuffer();
  red = (await storeImage(lib, await png(200))).hash;
  blue = (await storeImage(lib, await png(10))).hash;
  // a file beside the library that must never be served, and an asset file replaced by a link to it
  writeFileSync(join(base, 'secret.png'), 'outside');
  unlinkSync(assetFile(lib, blue));
  symlinkSync(join(base, 'secret.png'), assetFile(lib, blue));
});

afterAll(() => {
  lib.close();
  rmSync(base, { recursive: true, force: true });
});

describe('the r2r-asset:// protocol: browser mode\'s /files/ routes through the same resolver', () => {
  it('serves an asset by hash with the same answer as the HTTP server', async () => {
    const a = await resolveAssetRequest(`r2r-asset://library/files/asset/${red}`, lib);
    expect(a).toEqual({
      status: 200,
      file: assetFile(lib, red),
      headers: { 'content-type': 'image/png', 'content-length': String(statSync(assetFile(lib, red)).size), 'cache-control': 'private, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' },
    });
    expect(await resolveLibraryFile(lib, new URL(`http://127.0.0.1:8000/files/asset/${red}`))).toEqual(a);
    expect((await resolveAssetRequest(`r2r-asset://library/files/asset/${red}`, lib, 'HEAD')).status).toBe(200);
  });

  it('makes and serves thumbnails', async () => {
    const t = await resolveAssetRequest(`r2r-asset://library/files/thumb/${red}?size=64`, lib);
    expect(t.status).toBe(200);
    if (t.status !== 200) return;
    expect(t.headers['content-type']).toBe('image/webp');
    expect(t.file.startsWith(lib.root)).toBe(true);
    const meta = await sharp(t.file).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(64);
    expect((await resolveAssetRequest(`r2r-asset://library/files/thumb/${red}?size=-3`, lib)).status).toBe(400);
  });

  it.each([
    ['a path instead of a hash', 'r2r-asset://library/files/asset/..%2f..%2flibrary.r2r.sqlite', 400],
    ['an upper-case hash', `r2r-asset://library/files/asset/${'A'.repeat(64)}`, 400],
    ['a hash the catalog does not know', `r2r-asset://library/files/asset/${'0'.repeat(64)}`, 404],
    ['a file path of the library', 'r2r-asset://library/library.r2r.sqlite', 404],
    ['an asset file that is a symlink out of the library', 'BLUE', 404],
    ['dot segments', 'r2r-asset://library/files/asset/../../secret.png', 404],
    ['a longer path', 'RED/x', 404],
  ])('refuses %s', async (_what, url, status) => {
    const a = await resolveAssetRequest(url === 'BLUE' ? `r2r-asset://library/files/asset/${blue}` : url.replace('RED', `r2r-asset://library/files/asset/${red}`), lib);
    expect(a.status).toBe(status);
    expect(JSON.stringify(a)).not.toContain('secret');
  });

  it('answers only for the library host, GET/HEAD, and an open library', async () => {
    const url = `r2r-asset://library/files/asset/${red}`;
    expect((await resolveAssetRequest(url.replace('//library', '//elsewhere'), lib)).status).toBe(400);
    expect((await resolveAssetRequest(url.replace('//library', '//user:pw@library'), lib)).status).toBe(400);
    expect((await resolveAssetRequest(url.replace('//library', '//library:99'), lib)).status).toBe(400);
    expect((await resolveAssetRequest(url.replace('r2r-asset:', 'https:'), lib)).status).toBe(400);
    expect((await resolveAssetRequest('not a url', lib)).status).toBe(400);
    expect((await resolveAssetRequest(url, lib, 'POST')).status).toBe(405);
    expect(await resolveAssetRequest(url, undefined)).toEqual({ status: 409, message: 'no library is open' });
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
