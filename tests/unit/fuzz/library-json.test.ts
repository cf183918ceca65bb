import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRecent, MAX_RECENT } from '../../../main/api/recent-libraries';
import { importTree } from '../../../main/catalog/import/importer';
import { MetadataWriter } from '../../../main/catalog/import/metadata';
import { parseSidecar, SidecarProblem, type GarmentSidecar } from '../../../main/catalog/import/sidecar';
import { createLibrary } from '../../../main/catalog/library';
import { getGarment } from '../../../main/catalog/queries/garments';
import { png } from '../catalog/helpers';
import { createRng, fuzz, fuzzDir, mutate, type Mutation, type Rng } from './harness';

const dir = fuzzDir('r2r-fuzz-json-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

const SIDECAR_SEEDS = [
  { sku: 'TS-1', name: 'Pocket Tee', category: 'T-shirt', tags: ['cotton', 'summer'], notes: 'from CLO' },
  { sku: 'JN-9', tags: [] },
  { sku: 'CP-3', name: 'Cape', category: 'Capes & Cloaks', notes: 'Größe M — 💡', extra: { nested: [1, 2] } },
].map((s) => utf8(JSON.stringify(s, null, 2)));

const WEIRD: unknown[] = [null, 0, -1, 1e308, true, '', ' ', '!!!', '—', 'x'.repeat(600), ['a', 1], [[]], {}, { sku: 'x' }, '__proto__', 'constructor', '\u0000', 'ok'];

/** one key of the JSON object given a weird value (or removed, or a new key added) */
function jsonField(rng: Rng): Mutation {
  return (b) => {
    let v: unknown;
    try {
      v = JSON.parse(text(b));
    } catch {
      return b;
    }
    if (typeof v !== 'object' || v === null) return utf8(JSON.stringify(rng.pick(WEIRD)));
    const o = v as Record<string, unknown>;
    const key = rng.pick([...Object.keys(o), 'sku', 'name', 'category', 'tags', 'notes', '__proto__', 'version', 'libraries']);
    const what = rng.below(6);
    if (what === 0) delete o[key];
    else if (what === 1 && Array.isArray(o[key])) (o[key] as unknown[]).push(rng.pick(WEIRD));
    else o[key] = rng.pick(WEIRD);
    return utf8(JSON.stringify(o));
  };
}

describe('fuzz: JSON the library reads from disk', () => {
  it('answers 10,000 mutated garment.json files with a SidecarProblem or details the library can store', async () => {
    const rng = createRng(2306);
    const field = jsonField(rng);
    const accepted: GarmentSidecar[] = [];
    const { counts, failures } = await fuzz({
      name: 'garment.json',
      count: 10_000,
      input: () => text(mutate(rng, SIDECAR_SEEDS, [field, field, field, field])),
      run: (json) => {
        const s = parseSidecar(json);
        expect(typeof s.sku).toBe('string');
        expect(s.sku.trim()).toBe(s.sku);
        accepted.push(s);
      },
      isClean: (err) => err instanceof SidecarProblem,
      show: (json) => json.slice(0, 300),
    });
    expect(failures).toEqual([]);
    expect(counts.parsed).toBeGreaterThan(1000);

    // everything accepted can be written: the importer would not stop half-way on it
    const lib = createLibrary(join(dir, 'lib'));
    const writer = new MetadataWriter(lib);
    const refused: string[] = [];
    for (const s of accepted) {
      try {
        writer.write({ sku: s.sku, name: s.name ?? s.sku, category: s.category ?? 'uncategorized', tags: s.tags ?? [], notes: s.notes ?? '', colorways: [] });
      } catch (err) {
        refused.push(`${JSON.stringify(s).slice(0, 200)}: ${(err as Error).message}`);
      }
    }
    lib.close();
    expect(refused).toEqual([]);
  });

  it('answers 10,000 mutated recent-libraries files with a clean list', async () => {
    const rng = createRng(2307);
    const field = jsonField(rng);
    const seeds = [
      utf8(JSON.stringify({ version: 1, libraries: [{ path: '/home/a/lib', openedAt: 3 }, { path: '/mnt/b', openedAt: 9 }] })),
      utf8(JSON.stringify(['/home/a/lib', '/home/a/old', 'relative/lib'])),
    ];
    const file = join(dir, 'recent-libraries.json');
    const { counts, failures } = await fuzz({
      name: 'recent-libraries.json',
      count: 10_000,
      input: () => mutate(rng, seeds, [field, field]),
      run: (bytes) => {
        writeFileSync(file, bytes);
        const list = loadRecent(file, () => true);
        expect(list.length).toBeLessThanOrEqual(MAX_RECENT);
        expect(new Set(list.map((r) => r.path)).size).toBe(list.length);
        for (const r of list) expect(r.path.startsWith('/')).toBe(true);
      },
      // a file it cannot use is an empty list, never an error
      isClean: () => false,
    });
    expect(failures).toEqual([]);
    expect(counts.parsed).toBe(10_000);
  });
});

describe('garment.json: the minimal inputs behind each fix', () => {
  it('refuses details of the wrong type or with a category no slug can name, naming the key', () => {
    expect(() => parseSidecar('null')).toThrow(new SidecarProblem('not a JSON object'));
    expect(() => parseSidecar('{"name": "x"}')).toThrow(new SidecarProblem('it has no "sku"'));
    expect(() => parseSidecar('{"sku": "A", "notes": {}}')).toThrow(/^"notes": /);
    expect(() => parseSidecar('{"sku": "A", "name": 5}')).toThrow(/^"name": /);
    expect(() => parseSidecar('{"sku": "A", "tags": ["a", 1]}')).toThrow(/^"tags.1": /);
    expect(() => parseSidecar('{"sku": "A", "category": "!!!"}')).toThrow(new SidecarProblem('"category": must hold letters or digits'));
    expect(parseSidecar('{"sku": " A ", "category": "Capes & Cloaks", "extra": 1}')).toEqual({ sku: 'A', category: 'Capes & Cloaks' });
  });

  it('a bad garment.json is reported and skipped; the import goes on', async () => {
    // these used to reach the database: '!!!' aborted the import with bad-category, {} notes crashed the SQL binding
    const src = join(dir, 'src');
    for (const [sku, details] of [['HT-1', { sku: 'HT-1', category: '!!!' }], ['HT-2', { sku: 'HT-2', notes: {} }], ['HT-3', { sku: 'HT-3', name: 'Wool hat' }]] as const) {
      mkdirSync(join(src, sku, 'red'), { recursive: true });
      writeFileSync(join(src, sku, 'garment.json'), JSON.stringify(details));
      writeFileSync(join(src, sku, 'red', 'front_raster.png'), await png(8, 8, 1));
    }
    const lib = createLibrary(join(dir, 'lib2'));
    // no {category} in the layout: the category comes from garment.json
    const report = await importTree(lib, src, { layout: '{garment}/{colorway}/{view}_{kind}.{ext}' });
    expect(report.problems).toEqual([
      { file: 'HT-1/garment.json', reason: 'garment details ignored: "category": must hold letters or digits' },
      { file: 'HT-2/garment.json', reason: 'garment details ignored: "notes": Invalid input: expected string, received object' },
    ]);
    expect(report.garments.added).toBe(3);
    expect(getGarment(lib, 'HT-3').name).toBe('Wool hat');
    expect(getGarment(lib, 'HT-1').category).toBe('uncategorized');
    lib.close();
  });
});
