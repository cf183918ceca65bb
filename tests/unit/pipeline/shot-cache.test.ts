import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheKeyHash, leastRecentlyUsedOverCap, reusableSteps, ShotCache, type InversionKey, type TrajectoryKey } from '../../../main/inference/pipelines/shot-cache';

const dir = mkdtempSync(join(tmpdir(), 'r2r-invcache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = (imageHash: string, extra: Partial<InversionKey> = {}): InversionKey => ({
  modelId: 'm',
  provider: 'cpu',
  imageHash,
  width: 64,
  height: 64,
  steps: 50,
  strength: 0.3,
  scheduler: { beta: 1 },
  inversionPrompt: '',
  inversionOrder: 'official',
  tiling: 'whole',
  ...extra,
});
const latents = (n: number, seed: number) => ({ channels: 4, width: 8, height: 8, latents: Array.from({ length: n }, (_, i) => new Float32Array(256).map((_, j) => seed + i + j / 256)) });

describe('shot cache', () => {
  it('round-trips the latents and misses on any other key field', async () => {
    const cache = new ShotCache(join(dir, 'a'));
    const inv = latents(16, 1);
    await cache.putInversion(key('img'), inv);
    const got = await cache.getInversion(key('img'));
    expect(got?.latents.length).toBe(16);
    expect(got!.latents.map((l) => Array.from(l))).toEqual(inv.latents.map((l) => Array.from(l)));
    for (const other of [key('img2'), key('img', { steps: 40 }), key('img', { strength: 0.4 }), key('img', { provider: 'cuda' }), key('img', { scheduler: { beta: 2 } }), key('img', { width: 128 }), key('img', { inversionOrder: 'ddim' }), key('img', { tiling: { tile: 512, overlap: 64 } })]) {
      expect(await cache.getInversion(other)).toBeUndefined();
    }
  });

  it('treats a truncated or foreign file as a miss', async () => {
    const cache = new ShotCache(join(dir, 'b'));
    await cache.putInversion(key('x'), latents(4, 2));
    const file = join(dir, 'b', `${cacheKeyHash(key('x'))}.inv`);
    writeFileSync(file, Buffer.from('R2RINV1\nbroken'));
    expect(await cache.getInversion(key('x'))).toBeUndefined();
  });

  it('stays under its size bound by removing the least recently used entries', async () => {
    const one = 4 * 256 * 4 + 200;
    const cache = new ShotCache(join(dir, 'c'), 3 * one);
    for (const [i, name] of ['k1', 'k2', 'k3'].entries()) {
      await cache.putInversion(key(name), latents(4, i));
      const t = new Date(Date.now() - (10 - i) * 1000);
      utimesSync(join(dir, 'c', `${cacheKeyHash(key(name))}.inv`), t, t);
    }
    // reading k1 makes it the most recently used
    expect(await cache.getInversion(key('k1'))).toBeDefined();
    await cache.putInversion(key('k4'), latents(4, 4));
    expect(readdirSync(join(dir, 'c')).length).toBe(3);
    expect(await cache.getInversion(key('k2'))).toBeUndefined();
    for (const k of ['k1', 'k3', 'k4']) expect(await cache.getInversion(key(k))).toBeDefined();
  });

  it('stores a generation trajectory with its TAC steps, apart from the inversion of the same shot', async () => {
    const cache = new ShotCache(join(dir, 'd'));
    const tk = (extra: Partial<TrajectoryKey> = {}): TrajectoryKey => ({ inversion: cacheKeyHash(key('img')), guidance: 7.5, text: 't', editMask: null, textureLock: null, ...extra });
    const traj = { ...latents(6, 3), tacSteps: 4 };
    await cache.putTrajectory(tk(), traj);
    const got = await cache.getTrajectory(tk());
    expect(got?.tacSteps).toBe(4);
    expect(got!.latents.map((l) => Array.from(l))).toEqual(traj.latents.map((l) => Array.from(l)));
    for (const other of [tk({ guidance: 5 }), tk({ text: 'u' }), tk({ editMask: 'm' }), tk({ textureLock: 'l' }), tk({ inversion: 'x' })]) {
      expect(await cache.getTrajectory(other)).toBeUndefined();
    }
    // an inversion file is not a trajectory
    await cache.putInversion(key('img'), latents(4, 1));
    expect((await cache.getInversion(key('img')))?.latents.length).toBe(4);
    expect((await cache.getTrajectory(tk()))?.latents.length).toBe(6);
  });

  it('takes the steps two TAC settings share: all when equal, else those before the first that differs', () => {
    const stored = (tacSteps: number, done: number) => ({ tacSteps, latents: Array.from({ length: done }, () => new Float32Array(1)) });
    // K = 15: 13 TAC steps stored (TAC 0.9)
    expect(reusableSteps(stored(13, 15), 13, 15)).toBe(15);
    expect(reusableSteps(stored(13, 15), 7, 15)).toBe(7);
    expect(reusableSteps(stored(7, 15), 13, 15)).toBe(7);
    expect(reusableSteps(stored(13, 15), 0, 15)).toBe(0);
    // a cancelled shot: only the steps it finished
    expect(reusableSteps(stored(13, 5), 13, 15)).toBe(5);
    expect(reusableSteps(stored(13, 5), 3, 15)).toBe(3);
    // TAC on every step (ratio 1) and nowhere (0) share nothing
    expect(reusableSteps(stored(15, 15), 0, 15)).toBe(0);
  });

  it('picks the least recently used entries over the cap, oldest first, never the kept one', () => {
    const e = (path: string, bytes: number, lastUsed: number) => ({ path, bytes, lastUsed });
    const entries = [e('new', 40, 300), e('old', 30, 100), e('mid', 20, 200), e('kept', 50, 50)];
    // 140 bytes over a cap of 70: kept (the oldest) stays, old and mid go, then 90 > 70 so new goes too
    expect(leastRecentlyUsedOverCap(entries, 70, 'kept').map((x) => x.path)).toEqual(['old', 'mid', 'new']);
    expect(leastRecentlyUsedOverCap(entries, 70).map((x) => x.path)).toEqual(['kept', 'old']);
    expect(leastRecentlyUsedOverCap(entries, 140)).toEqual([]);
  });

  it('lists its entries with the model each came from, and clears them', async () => {
    const cache = new ShotCache(join(dir, 'listed'));
    await cache.putInversion(key('img', { modelId: 'model-1' }), latents(3, 1));
    const invHash = cacheKeyHash(key('img', { modelId: 'model-1' }));
    const traj: TrajectoryKey = { inversion: invHash, guidance: 7.5, text: 't', editMask: null, textureLock: null };
    await cache.putTrajectory(traj, { ...latents(2, 2), tacSteps: 1 });
    const entries = (await cache.entries()).sort((a, b) => a.kind.localeCompare(b.kind));
    expect(entries.map((x) => [x.kind, x.hash])).toEqual([
      ['inversion', invHash],
      ['trajectory', cacheKeyHash(traj)],
    ]);
    expect(await cache.origin(entries[0]!)).toEqual({ modelId: 'model-1' });
    expect(await cache.origin(entries[1]!)).toEqual({ inversion: invHash });
    const bytes = entries.reduce((n, x) => n + x.bytes, 0);
    expect(await cache.clear()).toEqual({ entries: 2, bytes });
    expect(await cache.entries()).toEqual([]);
  });
});
