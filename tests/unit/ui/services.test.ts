import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'fflate';
import sharp from 'sharp';
import { createLibrary, MetadataWriter, storeImage, assetFile, getMask, type GarmentRecord } from '../../../main/catalog/index';
import { createLibraryService, LibraryHolder } from '../../../main/api/library-service';
import { createMasksService } from '../../../main/api/masks-service';
import { createCombosService } from '../../../main/api/combos-service';
import { createBackend, type Backend } from '../../../main/api/index';
import { startServer, type RunningServer } from '../../../main/server/http-server';

let dir: string;
let libDir: string;
let hashes: string[] = [];

async function png(w: number, h: number, r: number): Promise<Buffer> {
  return sharp({ create: { width: w, height: h, channels: 3, background: { r, g: 100, b: 50 } } }).png().toBuffer();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'r2r-ui-services-'));
  process.env.R2R_CONFIG_DIR = join(dir, 'config');
  libDir = join(dir, 'lib');
  const lib = createLibrary(libDir);
  const assets = [await storeImage(lib, await png(40, 50, 10)), await storeImage(lib, await png(40, 50, 200))];
  hashes = assets.map((a) => a.hash);
  const ref = (i: number) => ({ hash: assets[i]!.hash, ext: assets[i]!.ext, bytes: assets[i]!.bytes, width: 40, height: 50 });
  const recs: GarmentRecord[] = [];
  // 30 garments: colorway 'navy' on every third, categories alternate
  for (let i = 0; i < 30; i++) {
    recs.push({
      sku: `G-${String(i).padStart(3, '0')}`,
      name: `Garment ${i}`,
      category: i % 2 ? 'jeans' : 't-shirt',
      tags: [],
      notes: '',
      colorways: [
        { name: i % 3 === 0 ? 'navy' : 'sand', renders: [{ view: 'front', kind: 'raster', renderer: 't', width: 40, height: 50, asset: ref(0), sourcePath: null }, { view: 'front', kind: 'raytrace', renderer: 't', width: 40, height: 50, asset: ref(1), sourcePath: null }] },
      ],
    });
  }
  new MetadataWriter(lib).writeMany(recs);
  lib.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('library service', () => {
  it('opens a library, remembers it and lists facets', async () => {
    const holder = new LibraryHolder();
    const svc = createLibraryService(holder);
    expect(await svc.current()).toBeNull();
    const info = await svc.open(libDir);
    expect(info).toMatchObject({ root: libDir, name: 'lib', garments: 30, renders: 60 });
    expect((await svc.recent())[0]).toBe(libDir);
    expect(holder.recent()[0]!.path).toBe(libDir);
    const f = await svc.facets();
    expect(f.categories).toEqual([
      { slug: 'jeans', name: 'jeans', garments: 15 },
      { slug: 't-shirt', name: 'T-shirt', garments: 15 },
    ]);
    expect(f.colorways).toEqual([
      { name: 'navy', garments: 10 },
      { name: 'sand', garments: 20 },
    ]);
    expect(f.kinds).toEqual(['raster', 'raytrace']);
    holder.close();
  });

  it('filters by colorway with the other filters and pages through the matches', async () => {
    const holder = new LibraryHolder();
    holder.open(libDir);
    const svc = createLibraryService(holder);
    // navy: i = 0,3,...,27; t-shirt: even i -> 0,6,12,18,24
    const p1 = await svc.search({ colorway: 'NAVY', category: 't-shirt', limit: 3 });
    expect(p1.total).toBe(5);
    expect(p1.garments.map((g) => g.sku)).toEqual(['G-000', 'G-006', 'G-012']);
    const p2 = await svc.search({ colorway: 'navy', category: 't-shirt', limit: 3, offset: 3 });
    expect(p2.garments.map((g) => g.sku)).toEqual(['G-018', 'G-024']);
    const kind = await svc.search({ kind: 'raster', limit: 1 });
    expect(kind.total).toBe(30);
    expect(kind.garments[0]!.renders.map((r) => r.kind)).toEqual(['raster']);
    holder.close();
  });

  it('says what to do when the folder is not a library', async () => {
    const svc = createLibraryService(new LibraryHolder());
    mkdirSync(join(dir, 'empty'), { recursive: true });
    await expect(svc.open(join(dir, 'empty'))).rejects.toMatchObject({ code: 'not-a-library' });
    await expect(svc.search({})).rejects.toMatchObject({ code: 'no-library' });
  });
});

describe('masks service', () => {
  it('stores a grayscale PNG and gives back the same bytes', async () => {
    const holder = new LibraryHolder();
    const lib = holder.open(libDir);
    const svc = createMasksService(holder);
    const renderId = (await createLibraryService(holder).search({ limit: 1 })).garments[0]!.renders[0]!.id;
    const data = new Uint8Array(40 * 50);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
    expect(await svc.get(renderId, 'edit')).toBeNull();
    const rec = await svc.save(renderId, 'edit', { width: 40, height: 50, deflated: Buffer.from(deflateSync(data)).toString('base64') });
    expect(rec.purpose).toBe('edit');
    const meta = await sharp(assetFile(lib, getMask(lib, renderId, 'edit')!.asset)).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 40, height: 50, channels: 1 });
    const back = (await svc.get(renderId, 'edit'))!;
    expect(Buffer.from(inflateSync(Buffer.from(back.deflated, 'base64')))).toEqual(Buffer.from(data));
    await expect(svc.save(renderId, 'edit', { width: 41, height: 50, deflated: back.deflated })).rejects.toMatchObject({ code: 'bad-mask' });
    expect(await svc.remove(renderId, 'edit')).toBe(true);
    expect(await svc.get(renderId, 'edit')).toBeNull();
    holder.close();
  });
});

describe('combos service', () => {
  it('creates, lists, updates and removes an outfit', async () => {
    const holder = new LibraryHolder();
    holder.open(libDir);
    const svc = createCombosService(holder);
    const g = (await createLibraryService(holder).search({ limit: 2 })).garments;
    const c = await svc.create({ name: 'Look 1', items: [{ garment: g[0]!.id, role: 'top' }, { garment: g[1]!.id, role: 'bottom' }] });
    expect(c.items.map((i) => [i.sku, i.role, i.layer])).toEqual([
      [g[0]!.sku, 'top', 0],
      [g[1]!.sku, 'bottom', 1],
    ]);
    const u = await svc.update(c.id, { name: 'Look 1b', items: [{ garment: g[1]!.id, role: 'bottom', layer: 0 }] });
    expect(u.name).toBe('Look 1b');
    expect(u.items).toHaveLength(1);
    expect((await svc.list()).map((x) => x.name)).toContain('Look 1b');
    expect(await svc.remove(c.id)).toBe(true);
    expect(await svc.list()).toEqual([]);
    holder.close();
  });
});

describe('file routes of r2r serve', () => {
  let backend: Backend;
  let server: RunningServer;
  let open: RunningServer;

  beforeAll(async () => {
    const ui = join(dir, 'ui');
    mkdirSync(ui, { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<!doctype html>');
    backend = createBackend({ library: libDir });
    server = await startServer(backend, { host: '127.0.0.1', port: 0, staticRoot: ui, token: 'secret-token' });
    open = await startServer(backend, { host: '127.0.0.1', port: 0, staticRoot: ui });
  });

  afterAll(async () => {
    await server?.close();
    await open?.close();
    await backend?.close();
  });

  it('serves assets by hash, with the token when the server has one', async () => {
    expect((await fetch(`${server.url}/files/asset/${hashes[0]}`)).status).toBe(401);
    expect((await fetch(`${server.url}/files/asset/${hashes[0]}?token=secret-token`)).status).toBe(401);
    const res = await fetch(`${server.url}/files/asset/${hashes[0]}`, { headers: { authorization: 'Bearer secret-token' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([40, 50]);
  });

  it('makes thumbnails and refuses anything but a known hash', async () => {
    const t = await fetch(`${open.url}/files/thumb/${hashes[1]}?size=64`);
    expect(t.status).toBe(200);
    expect(t.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await t.arrayBuffer())).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(64);
    expect((await fetch(`${open.url}/files/asset/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${open.url}/files/asset/..%2F..%2Flibrary.r2r.sqlite`)).status).toBe(400);
    expect((await fetch(`${open.url}/files/asset/${hashes[0]}/x`)).status).toBe(404);
    expect((await fetch(`${open.url}/files/thumb/${hashes[0]}?size=-3`)).status).toBe(400);
  });

  it('answers the library API over HTTP', async () => {
    const r = await fetch(`${open.url}/api/library/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: [{ text: 'G-007' }] }) });
    const body = (await r.json()) as { result: { total: number; garments: { sku: string }[] } };
    expect(body.result.total).toBe(1);
    expect(body.result.garments[0]!.sku).toBe('G-007');
    const bad = await fetch(`${open.url}/api/masks/save`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: [1, 'edit', { width: 0, height: 1, deflated: '' }] }) });
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid-arguments');
  });
});
