import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { UserError } from '../../common/errors';
import { openSafetensors, readSafetensorsFloats } from './safetensors';
import { readTorchZip, type TorchTensor } from './torch-zip';

export interface TextualInversionEmbedding {
  /** the trigger token: the `<token>` key, or the file name for `emb_params` / `string_to_param` files */
  token: string;
  /** vectors per token (multi-vector embeddings have several) */
  count: number;
  hidden: number;
  /** count x hidden values, row-major */
  vectors: Float32Array;
}

export interface EmbeddingFile {
  path: string;
  format: 'safetensors' | 'torch';
  embeddings: TextualInversionEmbedding[];
}

const MAX_TORCH_BYTES = 256 * 2 ** 20;

function embedding(path: string, token: string, shape: number[], values: Float32Array, hidden?: number): TextualInversionEmbedding {
  const [count, width] = shape.length === 1 ? [1, shape[0]!] : shape.length === 2 ? [shape[0]!, shape[1]!] : [0, 0];
  if (count === 0 || width === 0) {
    throw new UserError('bad-embedding', `${path}: '${token}' has shape ${JSON.stringify(shape)}; a textual-inversion embedding is [vectors, width] or [width]`);
  }
  if (hidden !== undefined && width !== hidden) {
    throw new UserError(
      'embedding-mismatch',
      `${path}: the embedding's vectors are ${width} wide but the text encoder's are ${hidden}`,
      width === 1024 ? 'This embedding was trained for Stable Diffusion 2.x; use one made for SD 1.x.' : 'Use an embedding trained for this model family.',
    );
  }
  if (!values.every(Number.isFinite)) throw new UserError('bad-embedding', `${path}: '${token}' holds NaN or infinite values`);
  return { token, count, hidden: width, vectors: values };
}

function fileToken(path: string): string {
  return basename(path, extname(path));
}

function refuseSdxl(path: string, keys: string[]): void {
  if (keys.includes('clip_l') && keys.includes('clip_g')) {
    throw new UserError('embedding-mismatch', `${path} is an SDXL embedding (clip_l and clip_g)`, 'Use an embedding trained for Stable Diffusion 1.x.');
  }
}

function readSafetensorsEmbedding(path: string, hidden?: number): EmbeddingFile {
  const file = openSafetensors(path);
  const keys = [...file.tensors.keys()];
  refuseSdxl(path, keys);
  // automatic1111 writes `emb_params` and names the token by the file; diffusers writes `<token>`
  const names = keys.includes('emb_params') ? ['emb_params'] : keys;
  if (names.length === 0) throw new UserError('bad-embedding', `${path} holds no tensors`);
  const embeddings = names.map((k) => {
    const e = file.tensors.get(k)!;
    const token = k === 'emb_params' ? (file.metadata.name ?? fileToken(path)) : k;
    return embedding(path, token, e.shape, readSafetensorsFloats(file, k), hidden);
  });
  return { path, format: 'safetensors', embeddings };
}

function isTensor(v: unknown): v is TorchTensor {
  return (v as TorchTensor)?.kind === 'tensor';
}

function readTorchEmbedding(path: string, hidden?: number): EmbeddingFile {
  const size = statSync(path).size;
  if (size > MAX_TORCH_BYTES) throw new UserError('bad-embedding', `${path} is ${size} bytes, too big for a textual-inversion embedding`);
  const root = readTorchZip(new Uint8Array(readFileSync(path)), path);
  if (!(root instanceof Map)) throw new UserError('bad-embedding', `${path} does not hold a dictionary of tensors`);
  refuseSdxl(path, [...root.keys()].map(String));
  const params = root.get('string_to_param');
  if (params instanceof Map) {
    // automatic1111: {'string_to_param': {'*': tensor[n, 768]}, 'name': ...}
    const t = [...params.values()].find(isTensor);
    if (!t) throw new UserError('bad-embedding', `${path}: string_to_param holds no tensor`);
    const name = typeof root.get('name') === 'string' ? (root.get('name') as string) : fileToken(path);
    return { path, format: 'torch', embeddings: [embedding(path, name, t.shape, t.values, hidden)] };
  }
  const embeddings = [...root.entries()]
    .filter(([, v]) => isTensor(v))
    .map(([k, v]) => embedding(path, k === 'emb_params' ? fileToken(path) : String(k), (v as TorchTensor).shape, (v as TorchTensor).values, hidden));
  if (embeddings.length === 0) throw new UserError('bad-embedding', `${path} holds no embedding tensors`);
  return { path, format: 'torch', embeddings };
}

/**
 * Reads a textual-inversion embedding: `.safetensors` (`emb_params` or `<token>` keys) or a
 * torch `.pt`/`.bin` zip (automatic1111's `string_to_param`, diffusers' `<token>`). With
 * `hidden`, vectors of another width are refused with a message saying which model they fit.
 */
export function readEmbeddingFile(path: string, opts: { hidden?: number } = {}): EmbeddingFile {
  const head = new Uint8Array(4);
  try {
    const fd = openSync(path, 'r');
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
  } catch {
    throw new UserError('not-found', `${path} does not exist or cannot be read`);
  }
  const ext = extname(path).toLowerCase();
  const isZip = head[0] === 0x50 && head[1] === 0x4b;
  if (ext === '.safetensors' || (!isZip && ext !== '.pt' && ext !== '.bin')) return readSafetensorsEmbedding(path, opts.hidden);
  if (!isZip) {
    throw new UserError('bad-embedding', `${path} is not a torch zip file`, 'Old-style (pre-1.6) torch pickles are not supported; save the embedding as .safetensors.');
  }
  return readTorchEmbedding(path, opts.hidden);
}
