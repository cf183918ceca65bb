import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { modelContentFiles } from '../../../main/inference/models/fingerprint';
import { FileHashMemo, HASH_MEMO_FILE } from '../../../main/inference/models/fingerprint-memo';
import { adaptedModel, listAdaptedModels } from '../../../main/inference/pipelines/adapted-model';
import { cacheKeyHash, ShotCache, type InversionKey } from '../../../main/inference/pipelines/shot-cache';
import { runCliCaptured } from '../support/cli-io';

const dir = mkdtempSync(join(tmpdir(), 'r2r-cache-cli-'));
const cacheDir = join(dir, 'cache');
const modelDir = join(dir, 'tiny');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = (modelId: string, imageHash: string): InversionKey => ({
  modelId,
  provider: 'cpu',
  imageHash,
  width: 64,
  height: 64,
  steps: 10,
  strength: 0.3,
  scheduler: {},
  inversionPrompt: '',
  inversionOrder: 'official',
  tiling: 'whole',
});
const latents = (n: number) => ({ channels: 4, width: 8, height: 8, latents: Array.from({ length: n }, () => new Float32Array(256).fill(0.5)) });

beforeAll(async () => {
  writeDemoModel(modelDir, { seed: 4 });
  const hashes = FileHashMemo.open(cacheDir);
  adaptedModel(modelDir, cacheDir, { tacLevels: 2 }, { hashes });
  hashes.save();
  const modelId = listAdaptedModels(cacheDir)[0]!.modelId!;
  const shots = new ShotCache(join(cacheDir, 'inversions'));
  await shots.putInversion(key(modelId, 'a'), latents(4));
  await shots.putInversion(key(modelId, 'b'), latents(4));
  await shots.putTrajectory({ inversion: cacheKeyHash(key(modelId, 'a')), guidance: 7.5, text: 't', editMask: null, textureLock: null }, { ...latents(3), tacSteps: 2 });
  await shots.putInversion(key('a-model-since-changed', 'c'), latents(4));
}, 60_000);

describe('r2r cache', () => {
  it('shows both caches as JSON: adapted models with their model names, shots per model, sizes and last use', async () => {
    const r = await runCliCaptured(['cache', '--cache-dir', cacheDir, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.adapted.entries).toHaveLength(1);
    const entry = report.adapted.entries[0];
    expect([entry.model, entry.source, entry.tacLevels.length]).toEqual(['tiny', modelDir, 2]);
    expect(entry.bytes).toBe(listAdaptedModels(cacheDir)[0]!.bytes);
    expect(Date.parse(entry.lastUsed)).toBeGreaterThan(Date.now() - 120_000);
    const inversionBytes = (n: number) => n * 4 * 8 * 8 * 4;
    expect(report.shots.entries).toBe(4);
    expect(report.shots.bytes).toBeGreaterThan(inversionBytes(4 + 4 + 3 + 4));
    const byName = Object.fromEntries(report.shots.models.map((m: { model: string }) => [m.model, m]));
    expect([byName.tiny.inversions, byName.tiny.trajectories, byName.unknown.inversions, byName.unknown.trajectories]).toEqual([2, 1, 1, 0]);
    expect(byName.unknown.modelId).toBe('a-model-since-changed');
    expect(report.fileHashes.entries).toBe(modelContentFiles(modelDir).length);
  });

  it('prints the same as text', async () => {
    const r = await runCliCaptured(['cache', '--cache-dir', cacheDir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Adapted models: 1, [\d.]+ MiB of 16384\.0 MiB$/m);
    expect(r.out).toMatch(/^ {2}tiny +[\d.]+ MiB +last used \d{4}-/m);
    expect(r.out).toMatch(/^Shots: 4 entries/m);
    expect(r.out).toMatch(/^ {2}tiny +2 inversions +1 trajectories/m);
  });

  it('clears both caches and the hash memo, saying what went', async () => {
    const bytes = listAdaptedModels(cacheDir)[0]!.bytes;
    const r = await runCliCaptured(['cache', 'clear', '--cache-dir', cacheDir, '--json']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out);
    expect(res.adapted).toEqual({ entries: 1, bytes });
    expect(res.shots.entries).toBe(4);
    expect(res.fileHashes).toBe(modelContentFiles(modelDir).length);
    expect(readdirSync(join(cacheDir, 'adapted'))).toEqual([]);
    expect(readdirSync(join(cacheDir, 'inversions'))).toEqual([]);
    expect(existsSync(join(cacheDir, HASH_MEMO_FILE))).toBe(false);
    const after = JSON.parse((await runCliCaptured(['cache', '--cache-dir', cacheDir, '--json'])).out);
    expect([after.adapted.entries, after.shots.entries, after.shots.models, after.fileHashes.entries]).toEqual([[], 0, [], 0]);
  });

  it('clears an empty or missing cache folder without error', async () => {
    const r = await runCliCaptured(['cache', 'clear', '--cache-dir', join(dir, 'never-made')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/removed 0 adapted models \(0\.0 MiB\), 0 cached shots \(0\.0 MiB\) and 0 remembered file hashes/);
  });
});
