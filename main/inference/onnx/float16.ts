/**
 * IEEE 754 half precision <-> single precision (and bfloat16 -> single), for fp16 models,
 * weights and embeddings. onnxruntime-node takes and
 * returns float16 tensors as Uint16Array bit patterns (Node 20 has no Float16Array).
 * float32 -> float16 rounds to nearest, ties to even, like numpy and the F16C instructions.
 */

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** the float16 bit pattern nearest to a float32's bits (round half to even) */
export function halfBitsFromFloatBits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const abs = f & 0x7fffffff;
  if (abs >= 0x7f800000) {
    // inf stays inf; nan stays a (quiet) nan with the high payload bits
    return abs === 0x7f800000 ? sign | 0x7c00 : sign | 0x7e00 | ((abs >>> 13) & 0x3ff);
  }
  // 65520 and above round to infinity (65504 is the largest half)
  if (abs >= 0x477ff000) return sign | 0x7c00;
  if (abs >= 0x38800000) {
    // normal half: rebias the exponent (127 -> 15), round away 13 mantissa bits
    const m = abs - 0x38000000;
    return sign | ((m + 0xfff + ((m >>> 13) & 1)) >>> 13);
  }
  if (abs < 0x33000000) return sign; // below 2^-25, or exactly it (a tie, to even 0)
  // subnormal half: the 24-bit significand shifted down to units of 2^-24
  const exponent = abs >>> 23;
  const significand = (abs & 0x7fffff) | 0x800000;
  const shift = 126 - exponent;
  let q = significand >>> shift;
  const rest = significand & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (q & 1) === 1)) q++;
  return sign | q;
}

export function floatToHalfBits(value: number): number {
  scratch[0] = value;
  return halfBitsFromFloatBits(scratchBits[0]!);
}

/** float32 bits of a float16 pattern (exact: every half is a float) */
export function floatBitsFromHalfBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // subnormal half: normalise into a float32 exponent
  let e = 113;
  let m = mantissa;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

let halfTable: Uint32Array | null = null;

/** float32 bits of all 65,536 halves: conversion is one lookup per value */
function halfToFloatTable(): Uint32Array {
  if (!halfTable) {
    halfTable = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = floatBitsFromHalfBits(h);
  }
  return halfTable;
}

export function halfBitsToFloat(h: number): number {
  scratchBits[0] = halfToFloatTable()[h & 0xffff]!;
  return scratch[0]!;
}

/** a bfloat16 is the high half of a float32 */
export function bfloat16BitsToFloat(b: number): number {
  scratchBits[0] = (b & 0xffff) << 16;
  return scratch[0]!;
}

export function float32ToFloat16(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  if (dst.length < src.length) throw new RangeError(`float16 destination holds ${dst.length} values, not ${src.length}`);
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst[i] = halfBitsFromFloatBits(bits[i]!);
  return dst;
}

export function float16ToFloat32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  if (dst.length < src.length) throw new RangeError(`float32 destination holds ${dst.length} values, not ${src.length}`);
  const table = halfToFloatTable();
  // copied as bits so that nan payloads survive (a javascript number would canonicalise them)
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) bits[i] = table[src[i]!]!;
  return dst;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The float16 form of a float32 input that mostly comes back unchanged (a prompt's embedding,
 * sent with every UNet step): converted once and reused while the values stay the same. The
 * check compares every value with a copy, a fraction of the cost of converting again; changed
 * values, in the same array or another, are converted anew. Results are never written to later.
 */
export class Float16Memo {
  private snapshot: Uint32Array | null = null;
  private half: Uint16Array | null = null;

  of(data: Float32Array): Uint16Array {
    const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
    if (this.half && this.snapshot && sameBits(bits, this.snapshot)) return this.half;
    this.snapshot = Uint32Array.from(bits);
    this.half = float32ToFloat16(data);
    return this.half;
  }
}
