import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InversionCache, inversionKeyHash, type InversionKey } from '../../../main/inference/pipelines/inversion-cache';

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
  tiling: { tile: 512 },
  ...extra,
});
const latents = (n: number, seed: number) => ({ channels: 4, width: 8, height: 8, latents: Array.from({ length: n }, (_, i) => new Float32Array(256).map((_, j) => seed + i + j / 256)) });

describe('inversion cache', () => {
  it('round-trips the latents and misses on any other key field', async () => {
    const cache = new InversionCache(join(dir, 'a'));
    const inv = latents(16, 1);
    await cache.put(key('img'), inv);
    const got = await cache.get(key('img'));
    expect(got?.latents.length).toBe(16);
    expect(got!.latents.map((l) => Array.from(l))).toEqual(inv.latents.map((l) => Array.from(l)));
    for (const other of [key('img2'), key('img', { steps: 40 }), key('img', { strength: 0.4 }), key('img', { provider: 'cuda' }), key('img', { scheduler: { beta: 2 } }), key('img', { width: 128 })]) {
      expect(await cache.get(other)).toBeUndefined();
    }
  });

  it('treats a truncated or foreign file as a miss', async () => {
    const cache = new InversionCache(join(dir, 'b'));
    await cache.put(key('x'), latents(4, 2));
    const file = join(dir, 'b', `${inversionKeyHash(key('x'))}.inv`);
    writeFileSync(file, Buffer.from('R2RINV1\nbroken'));
    expect(await cache.get(key('x'))).toBeUndefined();
  });

  it('stays under its size bound by removing the least recently used entries', async () => {
    const one = 4 * 256 * 4 + 200;
    const cache = new InversionCache(join(dir, 'c'), 3 * one);
    for (const [i, name] of ['k1', 'k2', 'k3'].entries()) {
      await cache.put(key(name), latents(4, i));
      const t = new Date(Date.now() - (10 - i) * 1000);
      utimesSync(join(dir, 'c', `${inversionKeyHash(key(name))}.inv`), t, t);
    }
    // reading k1 makes it the most recently used
    expect(await cache.get(key('k1'))).toBeDefined();
    await cache.put(key('k4'), latents(4, 4));
    expect(readdirSync(join(dir, 'c')).length).toBe(3);
    expect(await cache.get(key('k2'))).toBeUndefined();
    for (const k of ['k1', 'k3', 'k4']) expect(await cache.get(key(k))).toBeDefined();
  });
});
