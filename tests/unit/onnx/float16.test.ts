import { describe, expect, it } from 'vitest';
import { Float16Memo, float16ToFloat32, float32ToFloat16, floatToHalfBits, halfBitsFromFloatBits, halfBitsToFloat } from '../../../main/inference/onnx/float16';

// word-wise FNV-1a, the same as the python that computed the golden hashes with numpy
function fnv(values: ArrayLike<number>): number {
  let h = 2166136261;
  for (let i = 0; i < values.length; i++) h = Math.imul(h ^ values[i]!, 16777619) >>> 0;
  return h;
}

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
}

describe('float32 -> float16', () => {
  // expected bits from numpy: np.array([np.float32(v)]).astype(np.float16).view(np.uint16)
  const cases: [number, number][] = [
    [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [1e9, 0x7c00],
    [2 ** -14, 0x0400], [2 ** -24, 0x0001], [2 ** -25, 0x0000], [1.5 * 2 ** -25, 0x0001], [2 ** -26, 0x0000],
    [0.1, 0x2e66], [1 / 3, 0x3555], [-0, 0x8000], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
    [2 ** -14 * (1 - 2 ** -12), 0x0400], [6.097555160522461e-5, 0x03ff], [3.14159265, 0x4248], [-1234.5678, 0xe4d3],
    [0.000123, 0x0808], [7.0e-6, 0x0075], [Infinity, 0x7c00], [-Infinity, 0xfc00],
  ];
  it.each(cases)('%s -> 0x%s', (value, bits) => {
    expect(floatToHalfBits(value)).toBe(bits);
  });

  it('keeps NaN a NaN', () => {
    const h = floatToHalfBits(NaN);
    expect((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0).toBe(true);
    expect(Number.isNaN(halfBitsToFloat(h))).toBe(true);
  });

  it('matches numpy on 20,000 random float32 bit patterns (NaNs left out)', () => {
    const next = lcg(12345);
    const out = new Uint16Array(20000);
    for (let n = 0; n < out.length; ) {
      const x = next();
      if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) continue;
      out[n++] = halfBitsFromFloatBits(x);
    }
    expect(fnv(out).toString(16)).toBe('ccd1945f');
  });

  it('matches numpy on 20,000 floats around the half range (exponents 2^-27..2^18)', () => {
    const next = lcg(777);
    const bits = new Uint32Array(20000);
    for (let n = 0; n < bits.length; n++) {
      const x = next();
      bits[n] = ((x & 0x807fffff) | ((100 + ((x >>> 24) % 46)) << 23)) >>> 0;
    }
    const halves = float32ToFloat16(new Float32Array(bits.buffer));
    expect(fnv(halves).toString(16)).toBe('338b03f8');
  });
});

describe('float16 -> float32', () => {
  it('matches numpy for all 65,536 patterns', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const floats = float16ToFloat32(all);
    expect(fnv(new Uint32Array(floats.buffer)).toString(16)).toBe('78731dc5');
  });

  it('round-trips every non-NaN half exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToFloat16(float16ToFloat32(all));
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (!isNaN && back[h] !== h) throw new Error(`0x${h.toString(16)} came back as 0x${back[h]!.toString(16)}`);
    }
  });

  it('writes into given buffers and refuses short ones', () => {
    const dst = new Float32Array(3);
    expect(float16ToFloat32(new Uint16Array([0x3c00, 0xc000, 0x7bff]), dst)).toBe(dst);
    expect(Array.from(dst)).toEqual([1, -2, 65504]);
    expect(() => float32ToFloat16(new Float32Array(4), new Uint16Array(2))).toThrow(RangeError);
  });
});

describe('float16 memo', () => {
  it('converts once while the values stay the same, and again when they change', () => {
    const memo = new Float16Memo();
    const a = Float32Array.from([1, -2, 0.5, 65504]);
    const first = memo.of(a);
    expect(Array.from(first)).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff]);
    // the same values in another array: the same conversion
    expect(memo.of(Float32Array.from(a))).toBe(first);
    // changed in place: converted anew, and the earlier result is left as it was
    a[1] = 2;
    const second = memo.of(a);
    expect(second).not.toBe(first);
    expect(Array.from(second)).toEqual([0x3c00, 0x4000, 0x3800, 0x7bff]);
    expect(first[1]).toBe(0xc000);
    // a view into a larger buffer, and a different length
    const big = new Float32Array([9, 1, 2, 0.5, 65504]);
    expect(Array.from(memo.of(big.subarray(1, 3)))).toEqual([0x3c00, 0x4000]);
    // -0 and +0 differ in float16 too: compared by bits, not by value
    expect(Array.from(memo.of(Float32Array.from([-0, 0])))).toEqual([0x8000, 0]);
    expect(Array.from(memo.of(Float32Array.from([0, 0])))).toEqual([0, 0]);
  });
});

