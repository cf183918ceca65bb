import { describe, expect, it } from 'vitest';
import { floatToHalf, floatsToHalves, halfToFloat } from '../../../main/inference/onnx/model';
import { randomFloats } from './ort-helpers';

describe('float16 conversion', () => {
  it('matches IEEE half bit patterns for known values', () => {
    // from the binary16 table: 1 = 0x3c00, -2 = 0xc000, 65504 = 0x7bff, 2^-14 = 0x0400, 2^-24 = 0x0001, 1/3 = 0x3555
    const cases: [number, number][] = [[1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [2 ** -14, 0x0400], [2 ** -24, 0x0001], [1 / 3, 0x3555], [0, 0], [Infinity, 0x7c00], [1e6, 0x7c00]];
    for (const [v, h] of cases) {
      expect(floatToHalf(v)).toBe(h);
      expect(floatsToHalves(Float32Array.of(v))[0]).toBe(h);
    }
    expect(halfToFloat(0x3555)).toBeCloseTo(1 / 3, 3);
  });

  it('bulk conversion equals the scalar one, ties to even included', () => {
    const values = Float32Array.from([...randomFloats(20000, 4, 70000), ...randomFloats(2000, 5, 1e-4), 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2049, 2051]);
    const bulk = floatsToHalves(values);
    values.forEach((v, i) => expect(bulk[i], String(v)).toBe(floatToHalf(v)));
    expect(halfToFloat(floatToHalf(1 + 2 ** -11))).toBe(1);
    expect(halfToFloat(floatToHalf(2051))).toBe(2052);
  });
});
