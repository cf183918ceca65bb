import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEmbeddingFile } from '../../../main/inference/models/embeddings';
import { floatToHalfBits, halfBitsToFloat } from '../../../main/inference/onnx/float16';

const fixtures = join(import.meta.dirname, 'fixtures');

/** a .safetensors file as the format's spec lays it out, written independently of the reader */
function safetensors(path: string, tensors: Record<string, { dtype: string; shape: number[]; bytes: Uint8Array }>, metadata?: Record<string, string>) {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [k, t] of Object.entries(tensors)) {
    header[k] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([len, Buffer.from(json), ...Object.values(tensors).map((t) => Buffer.from(t.bytes))]));
}

const values = (n: number, scale = 0.01) => Array.from({ length: n }, (_, i) => Math.sin(i) * scale);
const f32 = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
const f16 = (v: number[]) => new Uint8Array(Uint16Array.from(v, floatToHalfBits).buffer);
// bfloat16: the top half of the float32 bits (truncation, as torch's .bfloat16() rounds these values alike)
const bf16 = (v: number[]) => new Uint8Array(Uint16Array.from(new Uint32Array(Float32Array.from(v).buffer), (b) => b >>> 16).buffer);

describe('textual-inversion embedding files', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'r2r-emb-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads automatic1111 emb_params (multi-vector, float32), named by the file', () => {
    const p = join(dir, 'render-neg.safetensors');
    safetensors(p, { emb_params: { dtype: 'F32', shape: [3, 768], bytes: f32(values(3 * 768)) } });
    const f = readEmbeddingFile(p, { hidden: 768 });
    expect(f.format).toBe('safetensors');
    expect(f.embeddings).toHaveLength(1);
    const e = f.embeddings[0]!;
    expect([e.token, e.count, e.hidden]).toEqual(['render-neg', 3, 768]);
    expect(e.vectors[1000]).toBe(Math.fround(Math.sin(1000) * 0.01));
  });

  it('reads diffusers <token> keys in float16 and bfloat16, single vector', () => {
    const p = join(dir, 'learned_embeds.safetensors');
    safetensors(p, { '<cat-toy>': { dtype: 'F16', shape: [768], bytes: f16(values(768)) }, '<dog>': { dtype: 'BF16', shape: [1, 768], bytes: bf16(values(768, 1)) } }, { format: 'pt' });
    const [cat, dog] = readEmbeddingFile(p).embeddings;
    expect([cat!.token, cat!.count, dog!.token, dog!.count]).toEqual(['<cat-toy>', 1, '<dog>', 1]);
    expect(cat!.vectors[5]).toBe(halfBitsToFloat(floatToHalfBits(Math.sin(5) * 0.01)));
    expect(Math.abs(dog!.vectors[7]! - Math.sin(7))).toBeLessThan(2 ** -7);
  });

  it('reads torch zip files: automatic1111 string_to_param and diffusers learned_embeds.bin', () => {
    const a = readEmbeddingFile(join(fixtures, 'a1111-render-neg.pt'), { hidden: 768 });
    expect(a.format).toBe('torch');
    const e = a.embeddings[0]!;
    expect([e.token, e.count, e.hidden]).toEqual(['render-neg', 2, 768]);
    expect(Array.from(e.vectors.subarray(0, 4))).toEqual(values(4).map(Math.fround));
    const b = readEmbeddingFile(join(fixtures, 'learned_embeds.bin'));
    const cat = b.embeddings[0]!;
    expect([cat.token, cat.count]).toEqual(['<cat-toy>', 1]);
    // the tensor is a view starting 768 elements into its storage
    expect(Math.abs(cat.vectors[0]! - Math.sin(768) * 0.01)).toBeLessThan(1e-5);
  });

  it('names the file and the problem: truncated, wrong width, SDXL, not an embedding', () => {
    const p = join(dir, 'cut.safetensors');
    safetensors(p, { emb_params: { dtype: 'F32', shape: [2, 768], bytes: f32(values(2 * 768)) } });
    truncateSync(p, 3000);
    expect(() => readEmbeddingFile(p)).toThrow(/cut\.safetensors is truncated: tensor 'emb_params' needs bytes/);
    const wide = join(dir, 'sd2.safetensors');
    safetensors(wide, { emb_params: { dtype: 'F32', shape: [1, 1024], bytes: f32(values(1024)) } });
    expect(() => readEmbeddingFile(wide, { hidden: 768 })).toThrow(/sd2\.safetensors: the embedding's vectors are 1024 wide but the text encoder's are 768/);
    const xl = join(dir, 'xl.safetensors');
    safetensors(xl, { clip_l: { dtype: 'F32', shape: [1, 768], bytes: f32(values(768)) }, clip_g: { dtype: 'F32', shape: [1, 1280], bytes: f32(values(1280)) } });
    expect(() => readEmbeddingFile(xl)).toThrow(/xl\.safetensors is an SDXL embedding/);
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, 'not a safetensors file at all');
    expect(() => readEmbeddingFile(junk)).toThrow(/junk\.safetensors is not a valid \.safetensors file/);
    const pt = join(dir, 'old.pt');
    writeFileSync(pt, Buffer.from([0x80, 0x02, 0x8a, 0x0a]));
    expect(() => readEmbeddingFile(pt)).toThrow(/old\.pt is not a torch zip file/);
  });
});
