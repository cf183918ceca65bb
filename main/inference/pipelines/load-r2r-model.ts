import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readSchedulerConfig, type DdimConfig } from '../schedulers/scheduler-config';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer';
import { openComponent } from './component-session';
import { checkModelFolder, modelFingerprint, readModelGeometry } from './model-folder';
import { OnnxDiffusionModel } from './onnx-diffusion-model';

export interface LoadModelOptions {
  /** execution provider name; default cpu */
  provider?: string;
}

export interface LoadedModel {
  model: OnnxDiffusionModel;
  scheduler: DdimConfig;
  /** the folder the sessions were loaded from (the adapted copy) */
  dir: string;
}

/** Loads a Stable Diffusion ONNX folder for the pipelines: tokenizer, scheduler, four sessions. */
export async function loadR2RModel(dir: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  checkModelFolder(dir);
  const provider = opts.provider ?? 'cpu';
  const scheduler = readSchedulerConfig(dir);
  const tokenizer = ClipTokenizer.fromModelFolder(dir);
  const geometry = readModelGeometry(dir);
  const id = createHash('sha256').update(JSON.stringify(modelFingerprint(dir))).digest('hex').slice(0, 32);
  const open = (name: string, sub: string) => openComponent(name, join(dir, sub, 'model.onnx'), provider);
  const textEncoder = await open('text encoder', 'text_encoder');
  const unet = await open('UNet', 'unet');
  const vaeEncoder = await open('VAE encoder', 'vae_encoder');
  const vaeDecoder = await open('VAE decoder', 'vae_decoder');
  const model = new OnnxDiffusionModel({ id, provider, tokenizer, textEncoder, unet, vaeEncoder, vaeDecoder, ...geometry });
  return { model, scheduler, dir };
}
