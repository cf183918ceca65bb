import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { FileHashMemo, HASH_MEMO_FILE, sha256File } from '../../../main/inference/models/fingerprint-memo';
import { adaptedModel, clearAdaptedModels, listAdaptedModels } from '../../../main/inference/pipelines/adapted-model';

const dir = mkdtempSync(join(tmpdir(), 'r2r-adapted-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file hash memo', () => {
  const cache = join(dir, 'memo-cache');
  const file = join(dir, 'abc.txt');
  beforeAll(() => writeFileSync(file, 'abc'));

  it('hashes once, answers from the memo while the stat is unchanged, and keeps it across processes', () => {
    const memo = FileHashMemo.open(cache);
    // FIPS 180-2's example: SHA-256("abc")
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect([memo.sha256(file), memo.sha256(file), memo.hashed]).toEqual([abc, abc, 1]);
    memo.save();
    expect(existsSync(join(cache, HASH_MEMO_FILE))).toBe(true);
    const reopened = FileHashMemo.open(cache);
    expect([reopened.sha256(file), reopened.hashed]).toEqual([abc, 0]);
  });

  it('sees an edit that keeps the size and sets the modification time back', () => {
    const before = statSync(file);
    writeFileSync(file, 'abd');
    utimesSync(file, before.atime, before.mtime);
    const memo = FileHashMemo.open(cache);
    expect([memo.sha256(file), memo.hashed]).toEqual([sha256File(file), 1]);
    expect(memo.sha256(file)).toBe('a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9');
  });

  it('starts empty from a damaged memo file', () => {
    const damaged = join(dir, 'damaged');
    mkdirSync(damaged);
    writeFileSync(join(damaged, HASH_MEMO_FILE), '{"version":1,"files":');
    const memo = FileHashMemo.open(damaged);
    expect(memo.size).toBe(0);
    memo.sha256(file);
    memo.save();
    expect(FileHashMemo.open(damaged).size).toBe(1);
  });
});

describe('adapted models in the cache', () => {
  const cacheDir = join(dir, 'cache');
  const models = ['a', 'b', 'c'].map((n) => join(dir, n));
  beforeAll(() => {
    writeDemoModel(models[0]!, { seed: 2 });
    for (const m of models.slice(1)) cpSync(models[0]!, m, { recursive: true });
  });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('evicts the least recently used copy when a new one would pass the cap, never the one just built', async () => {
    const [a, b, c] = models as [string, string, string];
    const built = adaptedModel(a, cacheDir, { tacLevels: 2 });
    expect(built.built).toBe(true);
    const size = listAdaptedModels(cacheDir)[0]!.bytes;
    expect(size).toBeGreaterThan(100_000);
    const cap = Math.floor(size * 2.5);
    await sleep(20);
    adaptedModel(b, cacheDir, { tacLevels: 2 }, { maxBytes: cap });
    await sleep(20);
    // a is used again: b is now the least recently used
    expect(adaptedModel(a, cacheDir, { tacLevels: 2 }, { maxBytes: cap }).built).toBe(false);
    await sleep(20);
    const cBuilt = adaptedModel(c, cacheDir, { tacLevels: 2 }, { maxBytes: cap });
    const left = listAdaptedModels(cacheDir);
    expect(left.map((e) => e.source).sort()).toEqual([a, c].sort());
    expect(left.reduce((n, e) => n + e.bytes, 0)).toBeLessThanOrEqual(cap);
    // b comes back as a rebuild; under a cap smaller than one copy, the new copy itself still stays
    await sleep(20);
    const bAgain = adaptedModel(b, cacheDir, { tacLevels: 2 }, { maxBytes: size - 1 });
    expect(bAgain.built).toBe(true);
    expect(listAdaptedModels(cacheDir).map((e) => e.path)).toEqual([bAgain.dir]);
    expect(existsSync(cBuilt.dir)).toBe(false);
    // the model id an entry lists is the shot cache's id of the model as adapted
    expect(listAdaptedModels(cacheDir)[0]!.modelId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(readFileSync(join(bAgain.dir, 'r2r_adapted.json'), 'utf8')).sourceContent).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);

  it('clears every copy and the partial build of a process that is gone', () => {
    adaptedModel(models[0]!, cacheDir, { tacLevels: 2 });
    const stray = join(cacheDir, 'adapted', 'deadbeef.999999999.tmp');
    mkdirSync(stray, { recursive: true });
    writeFileSync(join(stray, 'x'), 'partial');
    const before = listAdaptedModels(cacheDir);
    const res = clearAdaptedModels(cacheDir);
    expect(res).toEqual({ entries: before.length, bytes: before.reduce((n, e) => n + e.bytes, 0) });
    expect(listAdaptedModels(cacheDir)).toEqual([]);
    expect(existsSync(stray)).toBe(false);
  }, 60_000);
});
