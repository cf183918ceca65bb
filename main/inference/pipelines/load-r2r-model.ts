import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readSchedulerConfig, type DdimConfig } from '../schedulers/scheduler-config';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer';
import { adaptedModel, type AdaptedModel } from './adapted-model';
import { openComponent } from './component-session';
import { defaultCacheDir } from './inversion-cache';
import { checkModelFolder, modelFingerprint, readModelGeometry } from './model-folder';
import { OnnxDiffusionModel } from './onnx-diffusion-model';

export interface LoadModelOptions {
  /** execution provider name; default cpu */
  provider?: string;
  /** UNet resolution levels with TAC, highest resolution first (2) */
  tacLevels?: number;
  /** where adapted copies (and inversions) are kept; default defaultCacheDir() */
  cacheDir?: string;
  onProgress?: (label: string) => void;
}

export interface LoadedModel {
  model: OnnxDiffusionModel;
  scheduler: DdimConfig;
  adapted: AdaptedModel;
}

/**
 * Loads a Stable Diffusion ONNX folder for the pipelines: checks its components, adapts
 * (or finds the cached adapted copy of) its UNet and text encoder, opens the four sessions.
 */
export async function loadR2RModel(dir: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  checkModelFolder(dir);
  const provider = opts.provider ?? 'cpu';
  const scheduler = readSchedulerConfig(dir);
  const tokenizer = ClipTokenizer.fromModelFolder(dir);
  const geometry = readModelGeometry(dir);
  const adapted = adaptedModel(dir, opts.cacheDir ?? defaultCacheDir(), { tacLevels: opts.tacLevels ?? 2, textureLock: true }, opts.onProgress);
  const id = createHash('sha256').update(JSON.stringify({ files: modelFingerprint(dir), levels: adapted.levels })).digest('hex').slice(0, 32);
  opts.onProgress?.('loading sessions');
  const textEncoder = await openComponent('text encoder', join(adapted.dir, 'text_encoder', 'model.onnx'), provider);
  const unet = await openComponent('UNet', join(adapted.dir, 'unet', 'model.onnx'), provider);
  const vaeEncoder = await openComponent('VAE encoder', join(dir, 'vae_encoder', 'model.onnx'), provider);
  const vaeDecoder = await openComponent('VAE decoder', join(dir, 'vae_decoder', 'model.onnx'), provider);
  const model = new OnnxDiffusionModel({ id, provider, tokenizer, textEncoder, unet, vaeEncoder, vaeDecoder, ...geometry });
  return { model, scheduler, adapted };
}
