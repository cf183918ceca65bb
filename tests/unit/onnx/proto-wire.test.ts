import { describe, expect, it } from 'vitest';
import { BufferSource, ProtoReader, ProtoWriter, ProtoFormatError } from '../../../main/inference/onnx/proto-wire';
import { GeneratedBytes } from '../../../main/inference/onnx/model';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const reader = (b: Uint8Array) => new ProtoReader(new BufferSource(b));

describe('protobuf wire codec', () => {
  it('encodes the examples of the protobuf encoding guide', () => {
    // "a = 150" -> 08 96 01; a string "testing" in field 2 -> 12 07 74 65 73 74 69 6e 67
    expect(hex(new ProtoWriter().int(1, 150).finish())).toBe('089601');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('120774657374696e67');
    // packed repeated int32 field 4 with 3, 270, 86942 -> 22 06 03 8e 02 9e a7 05
    expect(hex(new ProtoWriter().packedInts(4, [3, 270, 86942]).finish())).toBe('2206038e029ea705');
    // negative int64 uses ten bytes
    expect(hex(new ProtoWriter().int(1, -1).finish())).toBe('08ffffffffffffffffff01');
  });

  it('reads back what it writes: varints, negatives, floats, nested messages, packed and unpacked lists', () => {
    const bytes = new ProtoWriter()
      .int(1, 2 ** 40 + 3)
      .int(2, -7)
      .float(3, 0.25)
      .message(4, (m) => m.string(1, 'inner').packedInts(2, [1, -2, 300]))
      .int(5, 9)
      .int(5, 10)
      .finish();
    const r = reader(bytes);
    const seen: unknown[] = [];
    const unpacked: number[] = [];
    while (!r.done()) {
      const { field, wire } = r.tag();
      if (field === 1 || field === 2) seen.push(r.int());
      else if (field === 3) seen.push(r.float());
      else if (field === 5) r.ints(wire, unpacked);
      else {
        const m = r.sub();
        m.tag();
        seen.push(m.string());
        const list: number[] = [];
        const t = m.tag();
        m.ints(t.wire, list);
        seen.push(list);
      }
    }
    expect(seen).toEqual([2 ** 40 + 3, -7, 0.25, 'inner', [1, -2, 300]]);
    expect(unpacked).toEqual([9, 10]);
  });

  it('streams deferred bytes only when written, and reports their size before', () => {
    let produced = 0;
    const w = new ProtoWriter().bytes(9, new GeneratedBytes(3, () => (produced++, new Uint8Array([7, 8, 9]))));
    expect(w.size).toBe(5);
    expect(produced).toBe(0);
    expect(hex(w.finish())).toBe('4a03070809');
  });

  it('fails cleanly on truncated input', () => {
    const bytes = new ProtoWriter().string(2, 'testing').finish().subarray(0, 5);
    const r = reader(bytes);
    r.tag();
    expect(() => r.range()).toThrow(ProtoFormatError);
  });
});
