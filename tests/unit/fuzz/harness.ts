import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32Uint32 } from '../../../main/common/seeded-random';

/**
 * A small seeded mutation fuzzer. Every input is a valid seed changed by one to three
 * mutations (bit flips, byte insert/delete, truncation, length fields set to huge values,
 * splices of two seeds), so most inputs get deep into a reader before they go wrong.
 */

export interface Rng {
  /** an integer in [0, n) */
  below(n: number): number;
  pick<T>(items: readonly T[]): T;
}

export function createRng(seed: number): Rng {
  const next = mulberry32Uint32(seed);
  return {
    below: (n) => (n <= 0 ? 0 : Math.floor((next() / 4294967296) * n)),
    pick(items) {
      return items[Math.floor((next() / 4294967296) * items.length)]!;
    },
  };
}

/** values a length or count field is set to: the edges readers get wrong */
export const HUGE_U32 = [0xffffffff, 0xfffffff0, 0x80000000, 0x7fffffff, 0x40000000, 0x10000000, 0x01000000];

export type Mutation = (bytes: Uint8Array, rng: Rng, seeds: readonly Uint8Array[]) => Uint8Array;

const bitFlip: Mutation = (b, rng) => {
  const out = new Uint8Array(b);
  const flips = 1 + rng.below(8);
  for (let i = 0; i < flips && out.length; i++) out[rng.below(out.length)]! ^= 1 << rng.below(8);
  return out;
};

const interestingByte: Mutation = (b, rng) => {
  const out = new Uint8Array(b);
  if (out.length) out[rng.below(out.length)] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0x01, 0x0a, 0x22, 0x7b, 0x7d]);
  return out;
};

const insertBytes: Mutation = (b, rng) => {
  const at = rng.below(b.length + 1);
  const extra = Uint8Array.from({ length: 1 + rng.below(16) }, () => rng.below(256));
  return concat(b.subarray(0, at), extra, b.subarray(at));
};

const deleteBytes: Mutation = (b, rng) => {
  if (b.length === 0) return b;
  const at = rng.below(b.length);
  const n = 1 + rng.below(Math.min(32, b.length - at));
  return concat(b.subarray(0, at), b.subarray(at + n));
};

const truncate: Mutation = (b, rng) => new Uint8Array(b.subarray(0, rng.below(b.length)));

const duplicateRange: Mutation = (b, rng) => {
  if (b.length === 0) return b;
  const at = rng.below(b.length);
  const n = 1 + rng.below(Math.min(64, b.length - at));
  return concat(b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n));
};

/** a 32-bit field somewhere set to a huge value, in either byte order; or a 64-bit one */
const hugeLength: Mutation = (b, rng) => {
  if (b.length < 4) return b;
  const out = new Uint8Array(b);
  const dv = new DataView(out.buffer);
  const at = rng.below(out.length - 3);
  const v = rng.pick(HUGE_U32);
  const kind = rng.below(3);
  if (kind === 0) dv.setUint32(at, v, false);
  else if (kind === 1 || at + 8 > out.length) dv.setUint32(at, v, true);
  else dv.setBigUint64(at, BigInt(v) * BigInt(1 + rng.below(0xffff)), true);
  return out;
};

/** the start of one seed joined to the end of another */
const splice: Mutation = (b, rng, seeds) => {
  const other = rng.pick(seeds);
  return concat(b.subarray(0, rng.below(b.length + 1)), other.subarray(rng.below(other.length + 1)));
};

export const BYTE_MUTATIONS: readonly Mutation[] = [bitFlip, bitFlip, interestingByte, insertBytes, deleteBytes, truncate, duplicateRange, hugeLength, hugeLength, splice];

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** one to three mutations of a seed; `extra` adds format-aware ones (fix a checksum, rewrite a header field) */
export function mutate(rng: Rng, seeds: readonly Uint8Array[], extra: readonly Mutation[] = []): Uint8Array {
  const all = [...BYTE_MUTATIONS, ...extra];
  let b = rng.pick(seeds);
  const n = 1 + rng.below(3);
  for (let i = 0; i < n; i++) b = rng.pick(all)(b, rng, seeds);
  return b;
}

export interface FuzzCounts {
  inputs: number;
  clean: number;
  parsed: number;
  /** neither: a crash of the reader (the first few are kept in `failures`) */
  failed: number;
  /** slowest single input, ms */
  slowestMs: number;
  /** most ArrayBuffer memory seen right after an input, over the start, bytes */
  peakArrayBuffers: number;
}

/** one input taking longer than this is reported as a failure (a near-hang) */
export const SLOW_INPUT_MS = 5000;

export interface FuzzFailure {
  index: number;
  input: string;
  error: string;
}

/**
 * Runs `count` inputs through `run`. Each must return (a parsed result, checked by `run`
 * itself) or throw an error `isClean` accepts. Anything else is a failure, reported with
 * the input that caused it. Memory is watched through ArrayBuffer accounting after each
 * input: a reader that allocated what a length field claimed shows up there. `parallel`
 * keeps that many inputs in flight, for readers that work on libuv's threads (sharp);
 * the inputs are the same either way.
 */
export async function fuzz<T>(opts: {
  name: string;
  count: number;
  input: (i: number) => T;
  run: (input: T) => unknown;
  isClean: (err: unknown) => boolean;
  show?: (input: T) => string;
  parallel?: number;
}): Promise<{ counts: FuzzCounts; failures: FuzzFailure[] }> {
  const show = opts.show ?? ((x: T) => (x instanceof Uint8Array ? Buffer.from(x.subarray(0, 160)).toString('hex') : JSON.stringify(x)?.slice(0, 1000) ?? String(x)));
  const counts: FuzzCounts = { inputs: 0, clean: 0, parsed: 0, failed: 0, slowestMs: 0, peakArrayBuffers: 0 };
  const failures: FuzzFailure[] = [];
  const base = process.memoryUsage().arrayBuffers;
  const fail = (i: number, input: T, error: string) => {
    counts.failed++;
    if (failures.length < 5) failures.push({ index: i, input: show(input), error: error.slice(0, 500) });
  };
  const one = async (i: number, input: T) => {
    const t0 = performance.now();
    try {
      await opts.run(input);
      counts.parsed++;
    } catch (err) {
      if (opts.isClean(err)) counts.clean++;
      else fail(i, input, `${(err as Error)?.name}: ${(err as Error)?.message ?? String(err)}`);
    }
    counts.inputs++;
    const ms = performance.now() - t0;
    // tiny inputs answer in milliseconds; seconds means work that grows with what a field claims
    if (ms > SLOW_INPUT_MS) fail(i, input, `took ${ms.toFixed(0)} ms`);
    counts.slowestMs = Math.max(counts.slowestMs, ms);
    counts.peakArrayBuffers = Math.max(counts.peakArrayBuffers, process.memoryUsage().arrayBuffers - base);
  };
  const width = opts.parallel ?? 1;
  for (let i = 0; i < opts.count; i += width) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(i + width, opts.count); j++) batch.push(one(j, opts.input(j)));
    await Promise.all(batch);
  }
  const failed = counts.failed ? `, ${counts.failed} FAILED` : '';
  console.log(`fuzz ${opts.name}: ${counts.inputs} inputs, ${counts.clean} clean errors, ${counts.parsed} parsed${failed} (slowest ${counts.slowestMs.toFixed(1)} ms)`);
  return { counts, failures };
}

/**
 * A fresh folder for readers that take a path: in memory (/dev/shm) where the machine has
 * it, since ten thousand writes to a disk-backed temp folder take longer than the fuzzing.
 */
export function fuzzDir(prefix: string): string {
  let base = tmpdir();
  try {
    accessSync('/dev/shm', constants.W_OK);
    base = '/dev/shm';
  } catch {
    // no memory-backed folder: the ordinary temp folder, slower
  }
  return mkdtempSync(join(base, prefix));
}
