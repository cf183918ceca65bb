import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetRelativePath, sha256, writeAsset } from '../../../main/catalog/assets';
import { copyLibrary, createLibrary, LIBRARY_FILE, moveLibrary, openLibrary } from '../../../main/catalog/library';
import { getGarment, searchGarments } from '../../../main/catalog/queries/garments';
import { storeImage } from '../../../main/catalog/queries/assets';
import { MetadataWriter } from '../../../main/catalog/import/metadata';
import { UserError } from '../../../main/common/errors';
import { collectGarbage } from '../../../main/catalog/garbage';
import { materialFile, setColorwayMaterial, writeMaterial } from '../../../main/catalog/materials';
import { modelFile, setColorwayModel, writeModel } from '../../../main/catalog/models';
import { png, tempDir } from './helpers';

const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'; // FIPS 180-2 test vector

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('library folder', () => {
  it('creates library.r2r.sqlite and assets/, in WAL mode with foreign keys on', () => {
    const dir = join(tempDir(), 'My Library');
    const lib = createLibrary(dir);
    expect(existsSync(join(dir, LIBRARY_FILE))).toBe(true);
    expect(existsSync(join(dir, 'assets'))).toBe(true);
    expect(lib.raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(lib.raw.pragma('foreign_keys', { simple: true })).toBe(1);
    lib.close();
    expect(userError(() => createLibrary(dir)).code).toBe('library-exists');
    const again = openLibrary(join(dir, LIBRARY_FILE));
    expect(again.root).toBe(dir);
    again.close();
  });

  it('says clearly when a folder is not a library, or the file is not a database', () => {
    const dir = tempDir();
    const e = userError(() => openLibrary(dir));
    expect(e.code).toBe('not-a-library');
    expect(e.message).toContain(dir);
    expect(e.hint).toMatch(/r2r library init/);
    expect(e.message).toMatch(/is not an R2R library/);
    const gone = userError(() => openLibrary(join(dir, 'gone')));
    expect(gone.code).toBe('not-a-library');
    expect(gone.message).toBe(`${join(dir, 'gone')} does not exist`);
    writeFileSync(join(dir, LIBRARY_FILE), 'this is not sqlite at all, just text that is long enough to fill a header....');
    expect(userError(() => openLibrary(dir)).code).toBe('library-corrupt');
  });

  it('stores assets by SHA-256, once, written whole', () => {
    const root = tempDir();
    const bytes = Buffer.from('abc');
    expect(sha256(bytes)).toBe(ABC_SHA256);
    const ref = writeAsset(root, bytes, 'png');
    expect(ref.hash).toBe(ABC_SHA256);
    expect(assetRelativePath(ref.hash, 'png')).toBe(`assets/ba/${ABC_SHA256.slice(2)}.png`);
    expect(readFileSync(join(root, 'assets/ba', `${ABC_SHA256.slice(2)}.png`), 'utf8')).toBe('abc');
    writeAsset(root, bytes, 'png');
    expect(readdirSync(join(root, 'assets/ba'))).toEqual([`${ABC_SHA256.slice(2)}.png`]);
  });

  it('lets two connections (as two processes would) read while the other writes', () => {
    const dir = tempDir();
    const a = createLibrary(dir);
    const b = openLibrary(dir);
    const writer = new MetadataWriter(a);
    a.raw.exec('BEGIN IMMEDIATE');
    a.raw.prepare("INSERT INTO garments (sku, name, category_id) VALUES ('W-1', 'while writing', 1)").run();
    // b reads the last committed state, unblocked
    expect(searchGarments(b).total).toBe(0);
    a.raw.exec('COMMIT');
    expect(searchGarments(b).total).toBe(1);
    writer.write({ sku: 'W-2', name: 'second', category: 'coat', tags: [], notes: '', colorways: [] });
    expect(searchGarments(b, { category: 'coat' }).garments.map((g) => g.sku)).toEqual(['W-2']);
    a.close();
    b.close();
  });

  it('copies (even while open) and moves as a plain folder: paths inside are relative', async () => {
    const base = tempDir();
    const lib = createLibrary(join(base, 'a'));
    const asset = await storeImage(lib, await png(8, 6, 40));
    new MetadataWriter(lib).write({
      sku: 'C-1', name: 'copied', category: 'dress', tags: ['x'], notes: '',
      colorways: [{ name: 'red', renders: [{ view: 'front', kind: 'raster', renderer: 'clo', width: 8, height: 6, asset, sourcePath: null }] }],
    });
    const copy = await copyLibrary(join(base, 'a'), join(base, 'b'));
    lib.close();
    const moved = moveLibrary(copy, join(base, 'c'));
    expect(existsSync(join(base, 'b'))).toBe(false);
    const opened = openLibrary(moved);
    const g = getGarment(opened, 'C-1');
    expect(g.renders).toHaveLength(1);
    expect(readFileSync(join(moved, g.renders[0]!.path))).toEqual(readFileSync(join(base, 'a', g.renders[0]!.path)));
    expect(userError(() => moveLibrary(moved, join(base, 'd'))).code).toBe('library-in-use');
    opened.close();
    expect(opened.raw.open).toBe(false);
    await expect(copyLibrary(join(base, 'a'), moved)).rejects.toThrow(/not an empty folder/);
  });
});

describe('asset garbage', () => {
  it('removes unreferenced rows, orphaned files and stale temporaries, sparing young ones and anything in use', async () => {
    const lib = createLibrary(join(tempDir(), 'lib'));
    const used = await storeImage(lib, await png(8, 8, 1));
    new MetadataWriter(lib).write({
      sku: 'G-1', name: 'kept', category: 'hat', tags: [], notes: '',
      colorways: [{ name: 'a', renders: [{ view: 'front', kind: 'raster', renderer: '', width: 8, height: 8, asset: used, sourcePath: null }] }],
    });
    const unused = await storeImage(lib, await png(8, 8, 2));
    const orphan = writeAsset(lib.root, await png(8, 8, 3), 'png');
    const tmp = join(lib.root, 'assets', 'ab', 'cd.png.123.tmp');
    mkdirSync(join(lib.root, 'assets', 'ab'), { recursive: true });
    writeFileSync(tmp, 'partial');
    expect(collectGarbage(lib)).toEqual({ rows: 0, files: 0, bytes: 0 });
    const report = collectGarbage(lib, { minAgeMs: -1000 });
    expect(report.rows).toBe(1);
    expect(report.files).toBe(3);
    expect(existsSync(join(lib.root, used.path))).toBe(true);
    expect(existsSync(join(lib.root, unused.path))).toBe(false);
    expect(existsSync(join(lib.root, assetRelativePath(orphan.hash, 'png')))).toBe(false);
    expect(existsSync(tmp)).toBe(false);
    expect(getGarment(lib, 'G-1').renders[0]!.asset).toBe(used.hash);
    lib.close();
  });

  it('removes 3D models and U3M materials no colorway names, keeping the ones in use and young files', async () => {
    const lib = createLibrary(join(tempDir(), 'lib'));
    new MetadataWriter(lib).write({
      sku: 'G-2', name: 'dressed', category: 'top', tags: [], notes: '',
      colorways: [{ name: 'a', renders: [{ view: 'front', kind: 'raster', renderer: '', width: 8, height: 8, asset: await storeImage(lib, await png(8, 8, 4)), sourcePath: null }] }],
    });
    const colorwayId = lib.sql<[], { id: number }>('SELECT id FROM colorways').get()!.id;
    const bytes = (s: string) => new TextEncoder().encode(s);
    const model = writeModel(lib.root, bytes('glb in use'));
    const oldModel = writeModel(lib.root, bytes('glb replaced'));
    const material = writeMaterial(lib.root, bytes('u3ma in use'));
    const oldMaterial = writeMaterial(lib.root, bytes('u3ma replaced'));
    lib.write(() => {
      setColorwayModel(lib, colorwayId, model, { triangles: 12 } as Parameters<typeof setColorwayModel>[3], null, null);
      setColorwayMaterial(lib, colorwayId, material, 'twill', null);
    });
    const leftover = join(lib.root, 'materials', 'ab', '.cdef.1.abc123.r2r-tmp');
    mkdirSync(dirname(leftover), { recursive: true });
    writeFileSync(leftover, 'partial');
    // everything is younger than the default hour
    expect(collectGarbage(lib)).toEqual({ rows: 0, files: 0, bytes: 0 });
    const report = collectGarbage(lib, { minAgeMs: -1000 });
    expect(report.files).toBe(3);
    expect(report.bytes).toBe('glb replaced'.length + 'u3ma replaced'.length + 'partial'.length);
    expect(existsSync(modelFile(lib.root, model.hash))).toBe(true);
    expect(existsSync(materialFile(lib.root, material.hash))).toBe(true);
    expect(existsSync(modelFile(lib.root, oldModel.hash))).toBe(false);
    expect(existsSync(materialFile(lib.root, oldMaterial.hash))).toBe(false);
    expect(existsSync(leftover)).toBe(false);
    lib.close();
  });
});
