import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildEvalReport } from '../../../main/metrics/eval-report';
import { evaluateOutputs, featuresOfFiles, kidOfSets, sweepParams } from '../../../main/metrics/evaluate';
import { loadRgb } from '../../../main/metrics/image';
import { InceptionNetwork } from '../../../main/metrics/inception';
import { kid } from '../../../main/metrics/kid';
import { fixture, reference } from './reference';
import { channelMeanFeatureModel } from './tiny-onnx';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'r2r-evaluate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('evaluate outputs of a library', () => {
  it('reads TAC ratio and strength from generation parameters', () => {
    expect(sweepParams({ tacRatio: 0.9, strength: 0.3 })).toEqual({ tacRatio: 0.9, strength: 0.3 });
    expect(sweepParams({ tac_ratio: '0.5', strength: 'x' })).toEqual({ tacRatio: 0.5, strength: null });
    expect(sweepParams(undefined)).toEqual({ tacRatio: null, strength: null });
  });

  it('measures every output against its render and feeds the report', async () => {
    const progress: number[] = [];
    const { records, skipped } = await evaluateOutputs(
      [
        { shot: 'B front', source: 'raster', params: { tacRatio: 0.9, strength: 0.3 }, files: { source: fixture('b96x80.png'), output: fixture('b96x80_tone.png'), mask: fixture('mask96x80.png') } },
        { shot: 'B front', source: 'raytrace', params: { tacRatio: 0.9, strength: 0.3 }, files: { source: fixture('b96x80.png'), output: fixture('b96x80_shift.png'), mask: fixture('mask96x80.png') } },
        { shot: 'A side', source: 'raster', generation: 7, files: { source: fixture('b96x80.png'), output: fixture('a64x48.png') } },
      ],
      { onProgress: (done) => progress.push(done) },
    );
    expect(progress).toEqual([1, 2, 3]);
    expect(records.length).toBe(2);
    expect(skipped).toEqual([{ shot: 'A side', generation: 7, reason: expect.stringMatching(/is 96x80 but .*a64x48\.png is 64x48/) }]);
    const tone = reference.ssim.find((r) => r.b === 'b96x80_tone.png');
    expect(records[0].metrics.masked_ssim_rgb).toBeCloseTo(tone?.masked_ssim_rgb as number, 9);
    expect(records[1]).toMatchObject({ source: 'raytrace', tacRatio: 0.9, strength: 0.3 });
    const report = buildEvalReport({ records, skipped });
    expect(report.skipped.length).toBe(1);
    expect(report.shots[0].raster?.mean.masked_ssim_luma).toBeCloseTo(tone?.masked_ssim_luma as number, 9);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(evaluateOutputs([{ shot: 's', source: 'raster', files: { source: fixture('a64x48.png'), output: fixture('a64x48.png') } }], { signal: controller.signal })).rejects.toThrow();
  });

  it('computes KID of image sets from files, as from the features directly', async () => {
    const model = path.join(dir, 'inc.onnx');
    writeFileSync(model, channelMeanFeatureModel(Float32Array.from({ length: 3 * 2048 }, (_, i) => Math.cos(i)), 2048));
    const net = await InceptionNetwork.load(model, 'unit');
    const setA = ['a64x48.png', 'a64x48_noise.png', 'a64x48_blur.png'].map(fixture);
    const setB = ['b96x80.png', 'b96x80_tone.png', 'b96x80_shift.png', 'rgba40x30.png'].map(fixture);
    const [entry] = await kidOfSets(net, [{ set: 'outputs', files: setA }], { name: 'photos', files: setB }, { subsets: 5, subsetSize: 3, seed: 2 });
    const fa = await net.features(await Promise.all(setA.map((f) => loadRgb(f))));
    const fb = await featuresOfFiles(net, setB, undefined, 3);
    const direct = kid(fa, fb, { subsets: 5, subsetSize: 3, seed: 2 });
    expect(entry).toMatchObject({ set: 'outputs', against: 'photos', n: 3 });
    expect(entry.kid_mean).toBeCloseTo(direct.kid_mean, 10);
    expect(entry.kid_std).toBeCloseTo(direct.kid_std, 10);
    await net.release();
  });
});
