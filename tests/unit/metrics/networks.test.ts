import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RgbImage } from '../../../main/metrics/image';
import { loadRgb } from '../../../main/metrics/image';
import { InceptionNetwork, normaliser } from '../../../main/metrics/inception';
import { kid, polynomialMmd2 } from '../../../main/metrics/kid';
import { LpipsNetwork } from '../../../main/metrics/lpips';
import { resizeBilinear } from '../../../main/metrics/resize';
import { fixture } from './reference';
import { channelMeanFeatureModel, FLOAT16, meanSquaredPairModel, pairFeatureModel } from './tiny-onnx';

let dir: string;
const write = (name: string, bytes: Uint8Array) => {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'r2r-metrics-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function meanSquared(a: Float64Array[], b: Float64Array[]): number {
  let s = 0;
  let n = 0;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < a[c].length; i++) {
      s += (a[c][i] - b[c][i]) ** 2;
      n++;
    }
  }
  return s / n;
}

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  return { width, height, planes: [0, 1, 2].map((c) => new Float64Array(width * height).fill(rgb[c])) as RgbImage['planes'] };
}

describe('LPIPS with a supplied pair network', () => {
  it('feeds both images scaled to [-1, 1] at their own size and returns the distance', async () => {
    const net = await LpipsNetwork.load(write('pair.onnx', meanSquaredPairModel()));
    const [a, b] = await Promise.all([loadRgb(fixture('a64x48.png')), loadRgb(fixture('a64x48_noise.png'))]);
    expect(net.inputSize).toBeNull();
    // (2a/255 - 1) - (2b/255 - 1) = 2(a - b)/255
    const expected = (4 / 255 ** 2) * meanSquared(a.planes, b.planes);
    // float32 accumulation in the network: relative 1e-5
    expect(Math.abs((await net.distance(a, b)) - expected)).toBeLessThan(1e-5 * expected);
    expect(await net.distance(a, a)).toBe(0);
    await net.release();
  });

  it('resizes to a fixed input size', async () => {
    const net = await LpipsNetwork.load(write('pair32.onnx', meanSquaredPairModel(32, 24)));
    expect(net.inputSize).toEqual({ width: 24, height: 32 });
    const [a, b] = await Promise.all([loadRgb(fixture('a64x48.png')), loadRgb(fixture('a64x48_blur.png'))]);
    const rs = (img: RgbImage) => img.planes.map((p) => resizeBilinear(p, img.width, img.height, 24, 32));
    const expected = (4 / 255 ** 2) * meanSquared(rs(a), rs(b));
    expect(Math.abs((await net.distance(a, b)) - expected)).toBeLessThan(1e-5 * expected);
    await net.release();
  });

  it('explains what is wrong with a model that breaks the contract', async () => {
    await expect(LpipsNetwork.load(write('feat.onnx', pairFeatureModel()))).rejects.toThrow(/holds 192 values per image, not one distance/);
    await expect(LpipsNetwork.load(write('one.onnx', channelMeanFeatureModel(new Float32Array(6), 2)))).rejects.toThrow(/needs 2 image inputs, this one has 1/);
    await expect(LpipsNetwork.load(write('half.onnx', meanSquaredPairModel(8, 8, FLOAT16)))).rejects.toThrow(/input 'in0' is float16, not float32/);
    await expect(LpipsNetwork.load(path.join(dir, 'nope.onnx'))).rejects.toThrow(/nope\.onnx does not exist/);
    await expect(LpipsNetwork.load(write('junk.onnx', new Uint8Array([1, 2, 3])))).rejects.toThrow(/cannot load LPIPS model/);
  });

  it('refuses images of different sizes', async () => {
    const net = await LpipsNetwork.load(write('pair2.onnx', meanSquaredPairModel()));
    await expect(net.distance(solid(16, 16, [0, 0, 0]), solid(16, 8, [0, 0, 0]))).rejects.toThrow(/16x16 but second image is 16x8/);
    await net.release();
  });
});

describe('KID from a supplied Inception network', () => {
  const features = 2048;
  const weights = Float32Array.from({ length: 3 * features }, (_, i) => Math.sin(i * 0.37) * 2);
  const colours: [number, number, number][] = [
    [10, 20, 30],
    [200, 100, 50],
    [90, 90, 90],
    [255, 0, 128],
    [30, 160, 220],
  ];
  // solid images stay solid through any resize: features = normalised colour x W, exactly
  const expectedFeatures = (rgb: number[], norm: (v: number, c: number) => number) =>
    Array.from({ length: features }, (_, j) => [0, 1, 2].reduce((s, c) => s + norm(rgb[c], c) * weights[c * features + j], 0));

  it('extracts 2048 features per image with the named normalisation, in dynamic batches', async () => {
    const net = await InceptionNetwork.load(write('inc.onnx', channelMeanFeatureModel(weights, features)), 'symmetric');
    const feats = await net.features(colours.map((c, i) => solid(40 + i, 30, c)));
    expect(feats.length).toBe(colours.length);
    feats.forEach((f, i) => {
      const want = expectedFeatures(colours[i], (v) => v / 127.5 - 1);
      f.forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThan(1e-3));
    });
    await net.release();
  });

  it('fills up a fixed batch and keeps only the real rows', async () => {
    const norm = { range: [0, 1] as [number, number], mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };
    const net = await InceptionNetwork.load(write('inc2.onnx', channelMeanFeatureModel(weights, features, 2)), norm);
    const feats = await net.features(colours.map((c) => solid(20, 20, c)));
    expect(feats.length).toBe(5);
    const want = expectedFeatures(colours[4], normaliser(norm));
    feats[4].forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThan(1e-3));
    // KID on network features equals KID on the independently computed features
    const x = feats.slice(0, 3);
    const y = feats.slice(2);
    const wantX = colours.slice(0, 3).map((c) => expectedFeatures(c, normaliser(norm)));
    const wantY = colours.slice(2).map((c) => expectedFeatures(c, normaliser(norm)));
    const wantKid = polynomialMmd2(wantX, wantY);
    expect(Math.abs(polynomialMmd2(x, y) - wantKid)).toBeLessThan(1e-3 * Math.abs(wantKid));
    expect(kid(x, y, { subsets: 4, subsetSize: 2, seed: 9 }).dim).toBe(2048);
    await net.release();
  });

  it('refuses a network whose features are not 2048-d', async () => {
    await expect(InceptionNetwork.load(write('inc10.onnx', channelMeanFeatureModel(new Float32Array(30), 10)), 'uint8')).rejects.toThrow(/has 10 features per image, not 2048/);
  });
});
