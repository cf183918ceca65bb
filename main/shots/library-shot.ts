import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { storeGenerationOutput, updateGeneration, type Library } from '../catalog/index';
import type { Generation } from '../catalog/types';
import type { LoadedModel } from '../inference/pipelines/load-r2r-model';
import type { R2RStepEvent } from '../inference/pipelines/r2r';
import { makeFileShot } from './file-shot';
import { modelFor } from './kept-model';
import { settleOrphans, startOwnedGeneration } from './ownership';
import { renderInputs, type RenderInputs } from './render-inputs';
import { shotMetrics } from './shot-metrics';
import { engineParams, recordedParams, type ShotSettings } from './shot-settings';
import { shotRegions, type ShotRegions } from './shot-regions';
import { recordShotTimes } from './step-times';

export interface LibraryShotRequest {
  renderId: number;
  settings: ShotSettings;
  /** what the caller adds to the recorded params so it finds its shots again: `{ exportJob }`, `{ comboId }` */
  tag?: Record<string, unknown>;
}

export interface LibraryShotOptions {
  signal?: AbortSignal;
  onStep?: (e: R2RStepEvent) => void;
  /** model loading and other status lines */
  onProgress?: (label: string) => void;
  /** the generation row, once it is recorded as running */
  onRecorded?: (generation: Generation) => void;
}

export interface LibraryShot {
  generationId: number;
  /** the output image's asset hash and its path inside the library */
  output: string;
  outputPath: string;
  inversionCached: boolean;
  generationStepsReused: number;
  totalMs: number;
}

/**
 * One shot of a library render, the only way a render becomes a generation: settles shots whose
 * owner is gone, reads the render, its edit mask and texture lock, loads (or reuses) the model,
 * records a `running` generation owned by this process (its lease renewed while it runs),
 * runs the engine, and records `done` with the output image and the shot's numbers, or
 * `failed` / `cancelled`. A model that cannot load fails before any row is written.
 */
export async function makeLibraryShot(lib: Library, req: LibraryShotRequest, opts: LibraryShotOptions = {}): Promise<LibraryShot> {
  settleOrphans(lib);
  const { settings } = req;
  const files = renderInputs(lib, req.renderId);
  // the preset and the render's label mask are checked before the model loads
  const regions = shotRegions(lib, req.renderId, settings.regionPreset, files.labels);
  const { loaded } = await modelFor(settings, opts.signal, opts.onProgress);
  opts.signal?.throwIfAborted();
  const owned = startOwnedGeneration(lib, { source: { renderId: req.renderId }, model: resolve(settings.model), params: { ...recordedParams(settings, req.renderId, req.tag), ...(regions ? { regions: regions.record } : {}) }, seed: settings.seed });
  const gen = owned.generation;
  opts.onRecorded?.(gen);
  const dir = await mkdtemp(join(tmpdir(), 'r2r-shot-'));
  try {
    const res = await runShot(settings, files, join(dir, 'out.png'), loaded, opts, regions);
    const metrics = shotMetrics(res);
    const done = await storeGenerationOutput(lib, gen.id, await readFile(join(dir, 'out.png')), metrics);
    // the next estimate of this provider, model and canvas starts from what this shot took
    recordShotTimes(lib.root, { provider: res.provider, model: resolve(settings.model), width: res.plan.width, height: res.plan.height, unetCalls: res.unetCalls, timings: res.timings, ...(settings.provider !== undefined ? { requestedProvider: settings.provider } : {}) });
    return { generationId: done.id, output: done.output!, outputPath: done.outputPath!, inversionCached: res.inversionCached, generationStepsReused: res.generationStepsReused, totalMs: res.totalMs };
  } catch (err) {
    updateGeneration(lib, gen.id, opts.signal?.aborted ? { status: 'cancelled' } : { status: 'failed', error: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    owned.release();
    await rm(dir, { recursive: true, force: true });
  }
}

function runShot(settings: ShotSettings, files: RenderInputs, output: string, loaded: LoadedModel, opts: LibraryShotOptions, regions: ShotRegions | undefined) {
  return makeFileShot(
    {
      modelDir: settings.model,
      input: files.input,
      output,
      ...(files.mask ? { mask: files.mask } : {}),
      ...(files.textureLock ? { textureLock: files.textureLock } : {}),
      ...(regions ? { regions: regions.requests } : {}),
      params: engineParams(settings, files),
      tacLevels: settings.tacLevels,
      ...(settings.cacheDir ? { cacheDir: settings.cacheDir } : {}),
    },
    { signal: opts.signal, loaded, onStep: opts.onStep, onProgress: opts.onProgress },
  );
}
