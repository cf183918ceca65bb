import { z } from 'zod';
import { DEFAULT_IMAGE_LIMITS, readSourceImage } from '../../inference/image/source-image';
import { defaultCacheDir } from '../../inference/pipelines/shot-cache';
import { cachedEmbedding } from '../../inference/sam/embedding-cache';
import { sourceToRgb8 } from '../../inference/sam/preprocess';
import { SamModel } from '../../inference/sam/sam-model';
import { findSamFiles } from '../../inference/sam/sam-files';
import { defineJobKind, throwIfCancelled } from '../kind';

export interface SamEmbedResult {
  /** the cache file holding the embedding */
  file: string;
  /** false when the cache already had it */
  computed: boolean;
  variant: 'sam1' | 'sam2';
  ms: number;
}

// the worker keeps the last pair's encoder loaded: the next image of the session skips the load
let held: { dir: string; model: SamModel } | undefined;

async function modelFor(dir: string): Promise<SamModel> {
  const files = findSamFiles(dir);
  if (held?.dir === files.dir) return held.model;
  const previous = held;
  held = undefined;
  await previous?.model.release();
  const model = await SamModel.load(files.dir);
  held = { dir: files.dir, model };
  return model;
}

/**
 * The Segment Anything embedding of one image, computed in the job worker (the encoder takes
 * seconds on a CPU) and cached on disk per image content hash and model fingerprint; clicks
 * then only run the decoder (main/api/segment-service.ts).
 */
export const samEmbedJob = defineJobKind({
  name: 'sam-embed',
  summary: 'the Segment Anything embedding of an image, cached for click-to-mask',
  params: z
    .object({
      model: z.string().min(1).max(4096),
      image: z.string().min(1).max(4096),
      imageHash: z.string().regex(/^[0-9a-f]{64}$/),
      cacheDir: z.string().min(1).max(4096).optional(),
    })
    .strict(),
  async run(params, ctx): Promise<SamEmbedResult> {
    const started = performance.now();
    ctx.progress({ step: 0, total: 2, message: 'loading the Segment Anything model' });
    const model = await modelFor(params.model);
    throwIfCancelled(ctx.signal);
    ctx.progress({ step: 1, total: 2, message: 'embedding the image' });
    // any render can be masked: the generation's minimum side does not apply to segmentation
    const image = async () => sourceToRgb8(await readSourceImage(params.image, { ...DEFAULT_IMAGE_LIMITS, minSide: 1 }));
    const got = await cachedEmbedding(model, image, params.imageHash, params.cacheDir ?? defaultCacheDir());
    ctx.progress({ step: 2, total: 2, message: got.computed ? 'embedded' : 'embedding from the cache' });
    return { file: got.file, computed: got.computed, variant: model.variant, ms: Math.round(performance.now() - started) };
  },
});

/** releases the held encoder (tests) */
export async function releaseSamEmbedModel(): Promise<void> {
  const h = held;
  held = undefined;
  await h?.model.release();
}
