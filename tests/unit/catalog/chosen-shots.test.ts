import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetRelativePath } from '../../../main/catalog/assets';
import { createLibrary, type Library } from '../../../main/catalog/library';
import { migrate } from '../../../main/catalog/migrations/index';
import { storeImage } from '../../../main/catalog/queries/assets';
import { chooseGeneration, chosenShots, discardGeneration } from '../../../main/catalog/queries/chosen-shots';
import { insertGeneration, listGenerations, storeGenerationOutput } from '../../../main/catalog/queries/generations';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { openLibrary } from '../../../main/catalog/library';
import { png, tempDir } from './helpers';

async function libraryWithRenders(): Promise<{ lib: Library; renders: number[] }> {
  const root = join(tempDir(), 'lib');
  await writeSampleLibrary(root, { garments: 1, width: 64, height: 80 });
  const lib = openLibrary(root);
  const renders = lib.sql<[], { id: number }>('SELECT id FROM renders ORDER BY id').all().map((r) => r.id);
  return { lib, renders };
}

async function doneShot(lib: Library, renderId: number, shade: number): Promise<number> {
  const g = insertGeneration(lib, { source: { renderId }, model: 'm', seed: 1, status: 'running' });
  await storeGenerationOutput(lib, g.id, await png(64, 80, shade));
  return g.id;
}

describe('migration 6: chosen shots', () => {
  it('adds the chosen_shots table, one row per render, cascading from renders and generations', () => {
    const file = join(tempDir(), 'library.r2r.sqlite');
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    migrate(db, file, 5);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'chosen_shots'").all()).toEqual([]);
    migrate(db, file, 6);
    const cols = db.prepare('PRAGMA table_info(chosen_shots)').all() as { name: string; pk: number }[];
    expect(cols.map((c) => c.name)).toEqual(['render_id', 'generation_id', 'chosen_at']);
    expect(cols.find((c) => c.pk === 1)?.name).toBe('render_id');
    const fks = db.prepare('PRAGMA foreign_key_list(chosen_shots)').all() as { table: string; on_delete: string }[];
    expect(fks.map((f) => `${f.table}:${f.on_delete}`).sort()).toEqual(['generations:CASCADE', 'renders:CASCADE']);
    db.close();
  });
});

describe('choosing and discarding generations', () => {
  it('keeps one chosen shot per render; choosing another replaces it', async () => {
    const { lib, renders } = await libraryWithRenders();
    const [r1, r2] = renders as [number, number];
    const a = await doneShot(lib, r1, 10);
    const b = await doneShot(lib, r1, 20);
    const c = await doneShot(lib, r2, 30);
    expect(chosenShots(lib, [r1, r2])).toEqual([]);
    expect(chooseGeneration(lib, a)).toEqual({ renderId: r1, generationId: a });
    chooseGeneration(lib, c);
    chooseGeneration(lib, b);
    expect(chosenShots(lib, [r1, r2])).toEqual([{ renderId: r1, generationId: b }, { renderId: r2, generationId: c }]);
    expect(chosenShots(lib, [r2])).toEqual([{ renderId: r2, generationId: c }]);
    lib.close();
  });

  it('refuses to choose a shot that is not done, or one that does not exist', async () => {
    const { lib, renders } = await libraryWithRenders();
    const running = insertGeneration(lib, { source: { renderId: renders[0]! }, model: 'm', seed: 1, status: 'running' });
    expect(() => chooseGeneration(lib, running.id)).toThrow(/is running: only a finished shot/);
    expect(() => chooseGeneration(lib, 9999)).toThrow(/no generation #9999/);
    lib.close();
  });

  it('discards a generation with its output file, and its chosen mark with it', async () => {
    const { lib, renders } = await libraryWithRenders();
    const r1 = renders[0]!;
    const keep = await doneShot(lib, r1, 40);
    const gone = await doneShot(lib, r1, 50);
    chooseGeneration(lib, gone);
    const output = listGenerations(lib, { renderId: r1 }).find((g) => g.id === gone)!.output!;
    const file = join(lib.root, assetRelativePath(output, 'png'));
    expect(existsSync(file)).toBe(true);
    expect(discardGeneration(lib, gone)).toEqual({ removedAsset: output });
    expect(existsSync(file)).toBe(false);
    expect(lib.sql('SELECT count(*) AS n FROM assets WHERE hash = ?').get(output)).toEqual({ n: 0 });
    expect(listGenerations(lib, { renderId: r1 }).map((g) => g.id)).toEqual([keep]);
    expect(chosenShots(lib, [r1])).toEqual([]);
    lib.close();
  });

  it('keeps an output image another record still uses, and refuses a running generation', async () => {
    const { lib, renders } = await libraryWithRenders();
    const same = await png(64, 80, 60);
    const first = await doneShot(lib, renders[0]!, 60);
    const second = await doneShot(lib, renders[0]!, 60);
    const hash = (await storeImage(lib, same)).hash;
    expect(discardGeneration(lib, first)).toEqual({ removedAsset: null });
    expect(existsSync(join(lib.root, assetRelativePath(hash, 'png')))).toBe(true);
    expect(listGenerations(lib, {}).map((g) => g.id)).toEqual([second]);
    const running = insertGeneration(lib, { source: { renderId: renders[0]! }, model: 'm', seed: 1, status: 'running' });
    expect(() => discardGeneration(lib, running.id)).toThrow(/Cancel its job first|is running/);
    lib.close();
  });

  it('a fresh library has the table', () => {
    const lib = createLibrary(join(tempDir(), 'fresh'));
    expect(chosenShots(lib, [1, 2])).toEqual([]);
    lib.close();
  });
});
