import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

/**
 * Protocol-buffer wire format, the part ONNX needs: varints, fixed 32/64-bit values and
 * length-delimited fields. Messages are written inside-out: a nested message is encoded
 * first (its size is then known), then written as a length-delimited field. Big byte fields
 * (tensor weights) may stay deferred: only their length is needed until they are streamed.
 */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** bytes known by their length now and produced only when written (file ranges, generated weights) */
export interface DeferredBytes {
  readonly byteLength: number;
  /** calls `sink` with consecutive pieces that add up to byteLength */
  writeTo(sink: (piece: Uint8Array) => void): void;
}

type Chunk = Uint8Array | DeferredBytes;

export class ProtoWriter {
  private chunks: Chunk[] = [];
  private scratch = new Uint8Array(16);
  size = 0;

  private push(bytes: Chunk): void {
    this.chunks.push(bytes);
    this.size += bytes.byteLength;
  }

  private varint(value: bigint | number): void {
    if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff) {
      let v = value;
      let n = 0;
      while (v >= 0x80) {
        this.scratch[n++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.scratch[n++] = v;
      this.push(this.scratch.slice(0, n));
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    let n = 0;
    while (v >= 0x80n) {
      this.scratch[n++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.scratch[n++] = Number(v);
    this.push(this.scratch.slice(0, n));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** a packed repeated varint field (ints, dims) */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.nested(field, inner);
  }

  /** a packed repeated float field */
  packedFloats(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  bytes(field: number, value: Uint8Array | DeferredBytes): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.byteLength);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.nested(field, inner);
  }

  private nested(field: number, inner: ProtoWriter): this {
    this.tag(field, WIRE_LEN);
    this.varint(inner.size);
    for (const c of inner.chunks) this.push(c);
    return this;
  }

  /** raw, already-encoded field bytes (unknown fields carried through a round trip) */
  raw(bytes: Uint8Array): this {
    this.push(bytes);
    return this;
  }

  /** streams every chunk, deferred ones included, in order */
  writeTo(sink: (piece: Uint8Array) => void): void {
    for (const c of this.chunks) {
      if (c instanceof Uint8Array) sink(c);
      else c.writeTo(sink);
    }
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    this.writeTo((piece) => {
      out.set(piece, offset);
      offset += piece.length;
    });
    if (offset !== this.size) throw new Error(`proto writer: deferred bytes wrote ${offset} of ${this.size} bytes`);
    return out;
  }
}

/** a sink that writes pieces to an open file, buffering small ones */
export function fileSink(fd: number): { sink: (piece: Uint8Array) => void; flush: () => void; written: () => number } {
  const buf = new Uint8Array(1 << 20);
  let used = 0;
  let total = 0;
  const flush = () => {
    let off = 0;
    while (off < used) off += writeSync(fd, buf, off, used - off);
    used = 0;
  };
  const sink = (piece: Uint8Array) => {
    total += piece.length;
    if (piece.length > buf.length / 2) {
      flush();
      let off = 0;
      while (off < piece.length) off += writeSync(fd, piece, off, piece.length - off);
      return;
    }
    if (used + piece.length > buf.length) flush();
    buf.set(piece, used);
    used += piece.length;
  };
  return { sink, flush, written: () => total };
}

/** where a reader takes its bytes from: a buffer, or a file read through its descriptor */
export interface ByteSource {
  readonly size: number;
  /** the file behind the bytes, when there is one (lets big fields stay as references) */
  readonly path?: string;
  byteAt(offset: number): number;
  read(offset: number, length: number): Uint8Array;
}

export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(private readonly buf: Uint8Array) {
    this.size = buf.length;
  }
  byteAt(offset: number): number {
    return this.buf[offset]!;
  }
  read(offset: number, length: number): Uint8Array {
    return this.buf.subarray(offset, offset + length);
  }
}

/** reads a file through a small moving window, so structure can be parsed without loading weights */
export class FileSource implements ByteSource {
  readonly size: number;
  private readonly fd: number;
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;

  constructor(
    readonly path: string,
    private readonly windowSize = 1 << 16,
  ) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  byteAt(offset: number): number {
    const i = offset - this.windowStart;
    if (i >= 0 && i < this.window.length) return this.window[i]!;
    if (offset >= this.size) throw new RangeError(`read past the end of ${this.path}`);
    this.window = this.readFile(offset, Math.min(this.windowSize, this.size - offset));
    this.windowStart = offset;
    return this.window[0]!;
  }

  read(offset: number, length: number): Uint8Array {
    if (offset + length > this.size) throw new RangeError(`read past the end of ${this.path}`);
    const i = offset - this.windowStart;
    // names and small fields are usually inside the window already: no system call
    if (i >= 0 && i + length <= this.window.length) return this.window.slice(i, i + length);
    return this.readFile(offset, length);
  }

  private readFile(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, out, got, length - got, offset + got);
      if (n === 0) throw new RangeError(`read past the end of ${this.path}`);
      got += n;
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}

// one decoder for every string field: constructing one costs more than decoding a name
const UTF8 = new TextDecoder();

/** thrown when the bytes are not a well-formed message (truncated file, not protobuf) */
export class ProtoFormatError extends Error {}

export class ProtoReader {
  pos: number;

  constructor(
    readonly src: ByteSource,
    start = 0,
    readonly end = src.size,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new ProtoFormatError(`message ends inside a field at byte ${this.pos}`);
    return this.src.byteAt(this.pos++);
  }

  /** an unsigned varint as a JS number (exact below 2^53) */
  uint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new ProtoFormatError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** a signed 64-bit varint (int64 fields: negative values use ten bytes) */
  int(): number {
    const start = this.pos;
    const v = this.uint();
    if (v < 2 ** 53) return v;
    this.pos = start;
    let big = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      big |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (b < 0x80) break;
    }
    return Number(BigInt.asIntN(64, big));
  }

  tag(): { field: number; wire: number } {
    const t = this.uint();
    return { field: Math.floor(t / 8), wire: t & 7 };
  }

  float(): number {
    const b = this.fixed(4);
    return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
  }

  fixed(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new ProtoFormatError(`message ends inside a field at byte ${this.pos}`);
    const out = this.src.read(this.pos, n);
    this.pos += n;
    return out;
  }

  /** the position and length of a length-delimited field, leaving the reader after it */
  range(): { offset: number; length: number } {
    const length = this.uint();
    const offset = this.pos;
    if (offset + length > this.end) {
      throw new ProtoFormatError(`a field of ${length} bytes at byte ${offset} runs past the end (${this.end})`);
    }
    this.pos = offset + length;
    return { offset, length };
  }

  bytes(): Uint8Array {
    const r = this.range();
    return this.src.read(r.offset, r.length);
  }

  string(): string {
    return UTF8.decode(this.bytes());
  }

  /** a reader over a nested message */
  sub(): ProtoReader {
    const r = this.range();
    return new ProtoReader(this.src, r.offset, r.offset + r.length);
  }

  /** repeated varints, packed or not (`wire` says which) */
  ints(wire: number, into: number[]): void {
    if (wire === WIRE_LEN) {
      const r = this.sub();
      while (!r.done()) into.push(r.int());
    } else into.push(this.int());
  }

  floats(wire: number, into: number[]): void {
    if (wire === WIRE_LEN) {
      const r = this.sub();
      while (!r.done()) into.push(r.float());
    } else into.push(this.float());
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.uint();
    else if (wire === WIRE_I64) this.fixed(8);
    else if (wire === WIRE_I32) this.fixed(4);
    else if (wire === WIRE_LEN) this.range();
    else throw new ProtoFormatError(`unknown wire type ${wire} at byte ${this.pos}`);
  }

  /** skips a field and returns its encoded bytes, tag included, to carry it through unchanged */
  skipRaw(tagStart: number, wire: number): Uint8Array {
    this.skip(wire);
    return this.src.read(tagStart, this.pos - tagStart);
  }
}
