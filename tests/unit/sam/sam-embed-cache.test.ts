import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedEmbedding, decodeEmbedding, encodeEmbedding } from '../../../main/inference/sam/embedding-cache';
import { SamModel } from '../../../main/inference/sam/sam-model';
import { releaseSamEmbedModel, samEmbedJob } from '../../../main/jobs/kinds/sam-embed-job';
import { flatImage, maskStats, sam1Decoder, sam1Encoder, sam2Decoder, sam2Encoder, samFolder } from './tiny-sam';

const HASH = 'a'.repeat(64);
const ctx = { jobId: 'j', signal: new AbortController().signal, progress: () => {} };

afterAll(async () => {
  await releaseSamEmbedModel();
});

describe('SAM embeddings are computed once per image and cached', () => {
  it('the second request of an image reads the cache; clicks then run only the decoder', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'r2r-sam-cache-'));
    const model = await SamModel.load(samFolder(sam1Encoder(), sam1Decoder()));
    try {
      let reads = 0;
      const image = async () => (reads++, flatImage(400, 300));
      const first = await cachedEmbedding(model, image, HASH, cache);
      const second = await cachedEmbedding(model, image, HASH, cache);
      expect([first.computed, second.computed, model.encoderRuns, reads]).toEqual([true, false, 1, 1]);
      expect(second.file).toBe(first.file);
      const bytes = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);
      expect(bytes(second.embedding.tensors.image_embeddings!.data).equals(bytes(first.embedding.tensors.image_embeddings!.data))).toBe(true);
      expect(second.embedding.frame).toEqual(first.embedding.frame);
      // another image is another entry
      expect((await cachedEmbedding(model, image, 'b'.repeat(64), cache)).computed).toBe(true);

      const times: number[] = [];
      for (const [x, y] of [[100, 100], [300, 200], [50, 250]] as const) {
        const t = performance.now();
        const m = await model.segment(second.embedding, { points: [{ x, y, positive: true }] });
        times.push(performance.now() - t);
        expect(maskStats(m).x).toBeCloseTo(x, 0);
      }
      expect(model.decoderRuns).toBe(3);
      expect(model.encoderRuns).toBe(2);
      console.log(`sam click -> mask (tiny SAM 1 decoder, 400x300): ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
    } finally {
      await model.release();
    }
  });

  it('a different model (fingerprint) does not reuse another model\'s embedding', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'r2r-sam-cache-'));
    const a = await SamModel.load(samFolder(sam1Encoder('x'), sam1Decoder()));
    const b = await SamModel.load(samFolder(sam2Encoder(), sam2Decoder()));
    try {
      const img = async () => flatImage(64, 64);
      expect((await cachedEmbedding(a, img, HASH, cache)).computed).toBe(true);
      expect((await cachedEmbedding(b, img, HASH, cache)).computed).toBe(true);
      expect((await cachedEmbedding(b, img, HASH, cache)).computed).toBe(false);
    } finally {
      await Promise.all([a.release(), b.release()]);
    }
  });

  it('the cache file round-trips exactly and a truncated one is not taken', () => {
    const e = { variant: 'sam2' as const, frame: { variant: 'sam2' as const, imageWidth: 3, imageHeight: 2, width: 1024, height: 1024 }, tensors: { a: { dims: [1, 2], data: Float32Array.from([1.5, -2]) }, b: { dims: [3], data: Float32Array.from([0, 1e-7, 3]) } } };
    const bytes = encodeEmbedding(e);
    expect(decodeEmbedding(bytes)).toEqual(e);
    expect(decodeEmbedding(bytes.subarray(0, bytes.length - 4))).toBeUndefined();
    expect(decodeEmbedding(Buffer.from('not an embedding'))).toBeUndefined();
  });
});

describe('sam-embed job kind', () => {
  it('embeds an image file in the worker once, then answers from the cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'r2r-sam-job-'));
    const png = join(dir, 'render.png');
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 60, b: 30 } } }).png().toFile(png);
    const params = samEmbedJob.params.parse({ model: samFolder(sam1Encoder(), sam1Decoder()), image: png, imageHash: HASH, cacheDir: join(dir, 'cache') });
    const first = await samEmbedJob.run(params, ctx);
    const second = await samEmbedJob.run(params, ctx);
    expect([first.computed, second.computed, first.variant]).toEqual([true, false, 'sam1']);
    const stored = decodeEmbedding(readFileSync(second.file))!;
    expect(stored.frame).toMatchObject({ imageWidth: 320, imageHeight: 240, width: 1024, height: 768 });
    expect(() => samEmbedJob.params.parse({ ...params, imageHash: 'xyz' })).toThrow();
  });
});
