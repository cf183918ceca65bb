import type { Mask } from '../image/mask';
import { readMask } from '../image/mask';
import type { SourceImage } from '../image/source-image';
import { readSourceImage } from '../image/source-image';
import { checkPngOutputPath } from '../image/write-png';
import { ddimSchedule } from './ddim-schedule';
import { defaultCacheDir, ShotCache } from './shot-cache';
import { loadR2RModel, type LoadedModel } from './load-r2r-model';
import { DEFAULT_R2R_PARAMS, runR2R, type R2RParams, type R2RResult, type R2RStepEvent } from './r2r';
import type { RegionRequest, RegionSpec } from './regions';
import { parseFill } from './regions';
import { readLabelMask } from './label-masks';

/** One shot as the app's job queue and `r2r generate` describe it: files in, a PNG out. */
export interface R2RShotRequest {
  modelDir: string;
  input: string;
  output: string;
  /** white = may change; the rest of the render is kept pixel for pixel */
  mask?: string;
  /** white = textures locked to the render by TAC */
  textureLock?: string;
  /** textual-inversion file used as the negative prompt (instead of params.negative) */
  negativeEmbedding?: string;
  /** parts of the shot with their own settings (masks as PNG files), layered in order */
  regions?: RegionRequest[];
  params?: Partial<R2RParams>;
  /** execution provider or 'auto' */
  provider?: string;
  tacLevels?: number;
  /** adapted model copies, inversions and generation trajectories; default defaultCacheDir() */
  cacheDir?: string;
  /** false: always encode, invert and run every step (the cache is neither read nor written) */
  useCache?: boolean;
}

export interface R2RShotOptions {
  signal?: AbortSignal;
  onStep?: (e: R2RStepEvent) => void;
  onProgress?: (label: string) => void;
  /** a model loaded by an earlier shot with the same modelDir, provider, TAC levels and negative embedding */
  loaded?: LoadedModel;
}

export interface R2RShotResult extends R2RResult {
  loaded: LoadedModel;
  params: R2RParams;
  source: SourceImage;
}

/**
 * Checks every input a person gave (output path, image, masks) before loading anything, loads
 * (or reuses) the adapted model, runs the shot and writes the PNG atomically. The caller owns
 * `result.loaded` and disposes it when done (or passes it to the next shot).
 */
export async function runR2RShot(req: R2RShotRequest, opts: R2RShotOptions = {}): Promise<R2RShotResult> {
  const cacheDir = req.cacheDir ?? defaultCacheDir();
  await checkPngOutputPath(req.output);
  const source = await readSourceImage(req.input, undefined, 'input image');
  const editMask: Mask | undefined = req.mask ? await readMask(req.mask, source.width, source.height, 'mask') : undefined;
  const textureLock: Mask | undefined = req.textureLock ? await readMask(req.textureLock, source.width, source.height, 'texture-lock mask') : undefined;
  const regions = req.regions ? await readRegionMasks(req.regions, source) : undefined;
  const loaded =
    opts.loaded ??
    (await loadR2RModel(req.modelDir, { provider: req.provider, tacLevels: req.tacLevels, cacheDir, negativeEmbedding: req.negativeEmbedding, onProgress: opts.onProgress, signal: opts.signal }));
  const params: R2RParams = { ...DEFAULT_R2R_PARAMS, ...req.params };
  if (loaded.negativePrompt !== undefined) params.negative = loaded.negativePrompt;
  try {
    const res = await runR2R(loaded.model, ddimSchedule(loaded.scheduler, params.steps, params.strength, params.inversion), { source, editMask, textureLock, regions }, params, {
      signal: opts.signal,
      onStep: opts.onStep,
      cache: req.useCache === false ? undefined : new ShotCache(`${cacheDir}/inversions`),
      outputPath: req.output,
      scheduleFor: (strength) => ddimSchedule(loaded.scheduler, params.steps, strength, params.inversion),
    });
    return { ...res, loaded, params, source };
  } catch (err) {
    if (!opts.loaded) await loaded.model.dispose();
    throw err;
  }
}

async function readRegionMasks(regions: RegionRequest[], source: SourceImage): Promise<RegionSpec[]> {
  return Promise.all(
    regions.map(async (r, i) => {
      const what = `mask of region ${i + 1}${r.name ? ` (${r.name})` : ''}`;
      const { label, fill, ...settings } = r;
      const mask = label ? await readLabelMask(r.mask, label, source.width, source.height, what) : await readMask(r.mask, source.width, source.height, what);
      return { ...settings, mask, ...(fill ? { fill: parseFill(fill) } : {}) };
    }),
  );
}
