import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../../main/common/errors';
import { chooseModelSize, fitSourceToModel, mapModelOutputToSource, planFit } from '../../../main/inference/image/fit';
import { downsampleMask, featherMask, fitMaskToModel, readMask } from '../../../main/inference/image/mask';
import type { SourceImage } from '../../../main/inference/image/source-image';
import { nchwToRgb, rgbToNchw } from '../../../main/inference/image/tensor-layout';
import { runTiled, tileStarts, type Planar } from '../../../main/inference/pipelines/tiled';
import { encodePng } from './png-encode';

const dir = mkdtempSync(join(tmpdir(), 'r2r-fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model canvas', () => {
  it('defaults to 768x1024 for portrait and 1024x768 for landscape, derives a missing side from the aspect', () => {
    expect(chooseModelSize(600, 900)).toEqual({ width: 768, height: 1024 });
    expect(chooseModelSize(900, 600)).toEqual({ width: 1024, height: 768 });
    expect(chooseModelSize(1000, 500, { width: 512 })).toEqual({ width: 512, height: 256 });
    const err = (() => {
      try {
        chooseModelSize(100, 100, { width: 700, height: 512 });
      } catch (e) {
        return e;
      }
    })();
    expect(isUserError(err) && err.code).toBe('bad-size');
    expect((err as Error).message).toMatch(/700 is not a positive multiple of 64/);
  });

  it('fits keeping the aspect, centred, and remembers the box', () => {
    expect(planFit(1000, 500, 512, 512).box).toEqual({ left: 0, top: 128, width: 512, height: 256 });
    expect(planFit(300, 900, 768, 1024).box).toEqual({ left: 213, top: 0, width: 341, height: 1024 });
  });

  it('maps a smooth image onto the canvas and back to nearly itself, with the padding in the background colour', async () => {
    const w = 90;
    const h = 60;
    const data = new Uint16Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = Math.round(65535 * (0.5 + 0.3 * Math.sin(x / 15 + c) * Math.cos(y / 11)));
    const src: SourceImage = { path: 'mem', width: w, height: h, channels: 3, depth: 16, grey: false, data, format: 'raw' };
    const plan = planFit(w, h, 128, 128);
    const canvas = await fitSourceToModel(src, plan, { r: 255, g: 0, b: 0 });
    expect(Array.from(canvas.data.subarray(0, 3))).toEqual([1, 0, 0]);
    const nchw = rgbToNchw(canvas);
    expect(nchw[0]).toBe(1);
    expect(nchw[128 * 128]).toBe(-1);
    const back = await mapModelOutputToSource(nchwToRgb(nchw, 128, 128), plan);
    let maxErr = 0;
    for (let i = 0; i < back.data.length; i++) maxErr = Math.max(maxErr, Math.abs(back.data[i]! - data[i]! / 65535));
    expect(maxErr).toBeLessThan(0.02);
  });
});

describe('masks', () => {
  it('reads white as 1, black as 0, transparent as 0, and resizes a mask of the same aspect', async () => {
    const px: number[] = [];
    for (let y = 0; y < 64; y++) for (let x = 0; x < 128; x++) px.push(...(x < 64 ? [255, 255, 255, 255] : x < 96 ? [0, 0, 0, 255] : [255, 255, 255, 0]));
    const p = join(dir, 'mask.png');
    writeFileSync(p, encodePng({ width: 128, height: 64, colour: 'rgba', depth: 8, samples: px }));
    const m = await readMask(p, 128, 64);
    expect([m.data[0], m.data[70], m.data[120]]).toEqual([1, 0, 0]);
    const half = await readMask(p, 256, 128);
    expect([half.width, half.data[10], half.data[200]]).toEqual([256, 1, 0]);
    const err = await readMask(p, 100, 100).catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('mask-size');
  });

  it('feathers inward only: zero stays zero, the interior stays one, the edge ramps', () => {
    const w = 64;
    const data = new Float32Array(w * w).map((_, i) => (i % w >= 32 ? 1 : 0));
    const f = featherMask({ width: w, height: w, data }, 8);
    for (let i = 0; i < f.data.length; i++) if (data[i] === 0) expect(f.data[i]).toBe(0);
    expect(f.data[10 * w + 60]).toBeCloseTo(1, 3);
    const ramp = [32, 34, 36, 38].map((x) => f.data[10 * w + x]!);
    expect(ramp[0]).toBeLessThan(0.25);
    for (let i = 1; i < ramp.length; i++) expect(ramp[i]).toBeGreaterThan(ramp[i - 1]!);
  });

  it('fits onto the canvas with zero padding and averages down to latent size', async () => {
    const m = { width: 32, height: 16, data: new Float32Array(32 * 16).fill(1) };
    const plan = planFit(32, 16, 32, 32);
    const onCanvas = await fitMaskToModel(m, plan);
    expect([onCanvas.data[0], onCanvas.data[16 * 32 + 5]]).toEqual([0, 1]);
    const lat = downsampleMask(onCanvas, 8);
    expect([lat.width, lat.height]).toEqual([4, 4]);
    expect(Array.from(lat.data)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
  });
});

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('tiled runs', () => {
  function pattern(channels: number, width: number, height: number): Planar {
    const data = new Float32Array(channels * width * height).map((_, i) => Math.sin(i * 0.37) + (i % 7) * 0.1);
    return { channels, width, height, data };
  }
  // an 8x average pool and an 8x nearest upsample act locally, so tiling must reproduce them exactly
  const pool = async (t: Planar): Promise<Planar> => {
    const w = t.width / 8;
    const h = t.height / 8;
    const out = new Float32Array(4 * w * h);
    for (let c = 0; c < 4; c++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let s = 0;
          for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 8; dx++) s += t.data[(c % 3) * t.width * t.height + (y * 8 + dy) * t.width + x * 8 + dx]!;
          out[c * w * h + y * w + x] = s / 64;
        }
    return { channels: 4, width: w, height: h, data: out };
  };
  const upsample = async (t: Planar): Promise<Planar> => {
    const w = t.width * 8;
    const h = t.height * 8;
    const out = new Float32Array(3 * w * h);
    for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[c * w * h + y * w + x] = t.data[c * t.width * t.height + (y >> 3) * t.width + (x >> 3)]!;
    return { channels: 3, width: w, height: h, data: out };
  };

  it('covers the axis with aligned, overlapping tiles', () => {
    expect(tileStarts(100, 128, 16, 8)).toEqual([0]);
    expect(tileStarts(320, 128, 32, 8)).toEqual([0, 96, 192]);
    expect(tileStarts(300, 128, 32, 8)).toEqual([0, 96, 168]);
  });

  it('reproduces an untiled encoder and decoder exactly on local operations', async () => {
    const img = pattern(3, 304, 200);
    let calls = 0;
    const counted = async (t: Planar) => {
      calls += 1;
      expect(t.width).toBeLessThanOrEqual(128);
      return pool(t);
    };
    const whole = await pool(img);
    const tiled = await runTiled(img, 1 / 8, { tile: 128, overlap: 32 }, counted);
    expect(calls).toBeGreaterThan(4);
    expect([tiled.width, tiled.height, tiled.channels]).toEqual([38, 25, 4]);
    expect(maxDiff(tiled.data, whole.data)).toBeLessThan(1e-5);
    const lat = pattern(4, 38, 25);
    const dec = await runTiled(lat, 8, { tile: 16, overlap: 4 }, upsample);
    const decWhole = await upsample(lat);
    expect(maxDiff(dec.data, decWhole.data)).toBeLessThan(1e-5);
  });

  it('stops between tiles when cancelled', async () => {
    const ac = new AbortController();
    let calls = 0;
    const p = runTiled(pattern(3, 256, 256), 1 / 8, { tile: 64, overlap: 16 }, async (t) => {
      calls += 1;
      if (calls === 2) ac.abort();
      return pool(t);
    }, ac.signal);
    await expect(p).rejects.toThrow();
    expect(calls).toBe(2);
  });
});
