import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { chooseProvider, type ProviderChoice } from '../runtime/provider-choice';
import { SessionManager } from '../runtime/session-manager';
import { readSchedulerConfig, type DdimConfig } from '../schedulers/scheduler-config';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer';
import { adaptedModel, type AdaptedModel } from './adapted-model';
import { defaultCacheDir } from './inversion-cache';
import { checkModelFolder, modelFingerprint, readModelGeometry } from './model-folder';
import { OnnxDiffusionModel } from './onnx-diffusion-model';

export interface LoadModelOptions {
  /** execution provider name or 'auto' (default): the platform's GPU providers, else the CPU */
  provider?: string;
  /** UNet resolution levels with TAC, highest resolution first (2) */
  tacLevels?: number;
  /** where adapted copies (and inversions) are kept; default defaultCacheDir() */
  cacheDir?: string;
  /** sessions kept loaded together (4: all components; 1 loads each in turn, for small memory) */
  sessionCapacity?: number;
  onProgress?: (label: string) => void;
}

export interface LoadedModel {
  model: OnnxDiffusionModel;
  scheduler: DdimConfig;
  adapted: AdaptedModel;
  providerChoice: ProviderChoice;
}

/**
 * Loads a Stable Diffusion ONNX folder for the pipelines: checks its components, adapts
 * (or finds the cached adapted copy of) its UNet and text encoder, picks the execution
 * provider and opens the four sessions.
 */
export async function loadR2RModel(dir: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  checkModelFolder(dir);
  const scheduler = readSchedulerConfig(dir);
  const tokenizer = ClipTokenizer.fromModelFolder(dir);
  const geometry = readModelGeometry(dir);
  const providerChoice = await chooseProvider(opts.provider);
  const adapted = adaptedModel(dir, opts.cacheDir ?? defaultCacheDir(), { tacLevels: opts.tacLevels ?? 2, textureLock: true }, opts.onProgress);
  const id = createHash('sha256').update(JSON.stringify({ files: modelFingerprint(dir), levels: adapted.levels })).digest('hex').slice(0, 32);
  opts.onProgress?.('loading sessions');
  const sessions = new SessionManager({
    capacity: opts.sessionCapacity ?? 4,
    // no busy-waiting between runs: the CPU is shared with the UI and other work
    sessionOptions: { graphOptimizationLevel: 'all', logSeverityLevel: 3, extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } },
  });
  const paths = {
    text_encoder: join(adapted.dir, 'text_encoder', 'model.onnx'),
    unet: join(adapted.dir, 'unet', 'model.onnx'),
    vae_encoder: join(dir, 'vae_encoder', 'model.onnx'),
    vae_decoder: join(dir, 'vae_decoder', 'model.onnx'),
  };
  try {
    const model = await OnnxDiffusionModel.open({ id, provider: providerChoice.provider, sessions, paths, tokenizer, ...geometry });
    return { model, scheduler, adapted, providerChoice };
  } catch (err) {
    await sessions.close();
    throw err;
  }
}
