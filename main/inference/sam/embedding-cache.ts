import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-write';
import { FileHashMemo } from '../models/fingerprint-memo';
import type { SamFiles } from './sam-files';
import type { SamEmbedding, SamModel } from './sam-model';
import type { Rgb8 } from './preprocess';

const MAGIC = 'r2r-sam-embedding';
const VERSION = 1;

interface Header {
  magic: string;
  version: number;
  variant: SamEmbedding['variant'];
  frame: SamEmbedding['frame'];
  tensors: { name: string; dims: number[] }[];
}

/** the content fingerprint of a pair: the SHA-256 of both files (memoised in the cache folder by file stamp) */
export function samFingerprint(files: SamFiles, memo: FileHashMemo): string {
  return createHash('sha256').update(`${memo.sha256(files.encoder)}\n${memo.sha256(files.decoder)}`).digest('hex').slice(0, 32);
}

/** where an image's embedding by a model lives in the cache folder */
export function embeddingPath(cacheDir: string, imageHash: string, modelFingerprint: string): string {
  const key = createHash('sha256').update(`${imageHash}\n${modelFingerprint}`).digest('hex').slice(0, 40);
  return join(cacheDir, 'sam-embeddings', `${key}.bin`);
}

/** a 4-byte header length, the JSON header, then each tensor's float32 values */
export function encodeEmbedding(e: SamEmbedding): Buffer {
  const names = Object.keys(e.tensors);
  const header: Header = { magic: MAGIC, version: VERSION, variant: e.variant, frame: e.frame, tensors: names.map((name) => ({ name, dims: e.tensors[name]!.dims })) };
  const json = Buffer.from(JSON.stringify(header));
  // pad the header so the float data starts 4-byte aligned
  const headerBytes = Math.ceil((4 + json.length) / 4) * 4;
  const total = headerBytes + names.reduce((n, k) => n + e.tensors[k]!.data.byteLength, 0);
  const out = Buffer.alloc(total, 0x20);
  out.writeUInt32LE(headerBytes - 4, 0);
  json.copy(out, 4);
  let at = headerBytes;
  for (const k of names) {
    const d = e.tensors[k]!.data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, at);
    at += d.byteLength;
  }
  return out;
}

/** the embedding, or undefined when the bytes are not a whole embedding file of this version */
export function decodeEmbedding(bytes: Buffer): SamEmbedding | undefined {
  if (bytes.length < 4) return undefined;
  const len = bytes.readUInt32LE(0);
  if (4 + len > bytes.length) return undefined;
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(4, 4 + len).toString('utf8')) as Header;
  } catch {
    return undefined;
  }
  if (header.magic !== MAGIC || header.version !== VERSION || !Array.isArray(header.tensors)) return undefined;
  const tensors: SamEmbedding['tensors'] = {};
  let at = 4 + len;
  for (const t of header.tensors) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (at + count * 4 > bytes.length) return undefined;
    const copy = new Float32Array(count);
    new Uint8Array(copy.buffer).set(bytes.subarray(at, at + count * 4));
    tensors[t.name] = { dims: t.dims, data: copy };
    at += count * 4;
  }
  if (at !== bytes.length) return undefined;
  return { variant: header.variant, frame: header.frame, tensors };
}

export function readCachedEmbedding(file: string): SamEmbedding | undefined {
  if (!existsSync(file)) return undefined;
  return decodeEmbedding(readFileSync(file));
}

export function writeCachedEmbedding(cacheDir: string, file: string, e: SamEmbedding): void {
  writeFileAtomic(file, encodeEmbedding(e), { durable: false, insideRoot: cacheDir });
}

export interface CachedEmbedding {
  embedding: SamEmbedding;
  file: string;
  /** false when the cache already held it (the encoder did not run) */
  computed: boolean;
}

/**
 * The embedding of an image by the model, from the cache folder when it is there, else
 * encoded once and stored, keyed by the image's content hash and the pair's fingerprint.
 * `image` is only read when the encoder must run.
 */
export async function cachedEmbedding(model: SamModel, image: () => Promise<Rgb8>, imageHash: string, cacheDir: string, memo = FileHashMemo.open(cacheDir)): Promise<CachedEmbedding> {
  const fingerprint = samFingerprint(model.files, memo);
  memo.save();
  const file = embeddingPath(cacheDir, imageHash, fingerprint);
  const kept = readCachedEmbedding(file);
  if (kept && kept.variant === model.variant) return { embedding: kept, file, computed: false };
  const embedding = await model.embed(await image());
  writeCachedEmbedding(cacheDir, file, embedding);
  return { embedding, file, computed: true };
}
