import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../common/version';
import { bundledClipVocab, clipTokenizerFiles } from '../../tokenizer/clip-vocab';
import { DataType, type Model } from '../../onnx/model';
import { saveModel } from '../../onnx/write-model';
import { SD15_TEXT_ENCODER, TINY_TEXT_ENCODER, buildTextEncoder } from './text-encoder';
import { SD15_UNET, TINY_UNET, buildUNet } from './unet';
import { SD15_VAE, TINY_VAE, buildVaeDecoder, buildVaeEncoder } from './vae';

export type DemoSize = 'tiny' | 'sd15';
export type DemoComponent = 'text_encoder' | 'unet' | 'vae_encoder' | 'vae_decoder';
export const DEMO_COMPONENTS: DemoComponent[] = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'];

export interface DemoModelOptions {
  size?: DemoSize;
  seed?: number;
  fp16?: boolean;
  /** keep weights in `model.onnx_data` for every component (sd15's UNet always does) */
  externalData?: boolean;
  onProgress?: (done: number, total: number, label: string) => void;
  signal?: AbortSignal;
}

export interface DemoModelSummary {
  dir: string;
  size: DemoSize;
  dtype: 'float32' | 'float16';
  components: { name: DemoComponent; path: string; bytes: number; dataFile?: string; parameters: number }[];
}

/** SD 1.x's DDIM-compatible scheduler settings (diffusers' scheduler_config.json) */
export const SD15_SCHEDULER_CONFIG = {
  _class_name: 'DDIMScheduler',
  _diffusers_version: '0.30.0',
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  num_train_timesteps: 1000,
  steps_offset: 1,
  set_alpha_to_one: false,
  clip_sample: false,
  prediction_type: 'epsilon',
  timestep_spacing: 'leading',
  trained_betas: null,
};

/** one component of the demo model, built in memory (weights are generated when written) */
export function buildDemoComponent(component: DemoComponent, opts: { size?: DemoSize; seed?: number; fp16?: boolean } = {}): Model {
  const sd15 = opts.size === 'sd15';
  const dt = opts.fp16 ? DataType.FLOAT16 : DataType.FLOAT;
  const seed = (opts.seed ?? 0) * 4 + DEMO_COMPONENTS.indexOf(component);
  switch (component) {
    case 'text_encoder': return buildTextEncoder(sd15 ? SD15_TEXT_ENCODER : TINY_TEXT_ENCODER, dt, seed);
    case 'unet': return buildUNet(sd15 ? SD15_UNET : TINY_UNET, dt, seed);
    case 'vae_encoder': return buildVaeEncoder(sd15 ? SD15_VAE : TINY_VAE, dt, seed);
    case 'vae_decoder': return buildVaeDecoder(sd15 ? SD15_VAE : TINY_VAE, dt, seed);
  }
}

function parameterCount(m: Model): number {
  return m.graph.initializers.reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0);
}

function componentConfig(component: DemoComponent, size: DemoSize): Record<string, unknown> {
  const sd15 = size === 'sd15';
  if (component === 'unet') {
    const c = sd15 ? SD15_UNET : TINY_UNET;
    return {
      _class_name: 'UNet2DConditionModel',
      in_channels: c.inChannels,
      out_channels: c.outChannels,
      block_out_channels: c.blockOutChannels,
      layers_per_block: c.layersPerBlock,
      attention_head_dim: c.heads,
      cross_attention_dim: c.crossAttentionDim,
      norm_num_groups: c.normGroups,
      sample_size: sd15 ? 64 : 8,
    };
  }
  if (component === 'text_encoder') {
    const c = sd15 ? SD15_TEXT_ENCODER : TINY_TEXT_ENCODER;
    return {
      architectures: ['CLIPTextModel'],
      model_type: 'clip_text_model',
      hidden_size: c.hidden,
      intermediate_size: c.intermediate,
      num_attention_heads: c.heads,
      num_hidden_layers: c.layers,
      max_position_embeddings: c.maxPositions,
      vocab_size: c.vocabSize,
      hidden_act: 'quick_gelu',
    };
  }
  const c = sd15 ? SD15_VAE : TINY_VAE;
  return {
    _class_name: 'AutoencoderKL',
    block_out_channels: c.blockOutChannels,
    layers_per_block: c.layersPerBlock,
    latent_channels: c.latentChannels,
    norm_num_groups: c.normGroups,
    scaling_factor: 0.18215,
    sample_size: sd15 ? 512 : 64,
  };
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/** the tokenizer folder: CLIP's vocabulary (with its MIT licence) in Hugging Face's layout */
export function writeTokenizerFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const files = clipTokenizerFiles(bundledClipVocab());
  writeFileSync(join(dir, 'vocab.json'), files.vocabJson);
  writeFileSync(join(dir, 'merges.txt'), files.mergesTxt);
  const special = { bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', unk_token: '<|endoftext|>' };
  writeJson(join(dir, 'special_tokens_map.json'), special);
  writeJson(join(dir, 'tokenizer_config.json'), {
    ...special,
    add_prefix_space: false,
    do_lower_case: true,
    errors: 'replace',
    model_max_length: 77,
    tokenizer_class: 'CLIPTokenizer',
  });
  copyFileSync(join(projectRoot(), 'resources/clip/LICENSE-openai-clip.txt'), join(dir, 'LICENSE-openai-clip.txt'));
}

/**
 * Writes a complete optimum/diffusers-layout Stable Diffusion folder with seeded random
 * weights: tiny (tests, demos; runs 64x64 on CPU) or sd15 (SD 1.5 sized, benchmarks).
 */
export function writeDemoModel(dir: string, opts: DemoModelOptions = {}): DemoModelSummary {
  const size = opts.size ?? 'tiny';
  mkdirSync(dir, { recursive: true });
  const summary: DemoModelSummary = { dir, size, dtype: opts.fp16 ? 'float16' : 'float32', components: [] };
  DEMO_COMPONENTS.forEach((name, i) => {
    opts.onProgress?.(i, DEMO_COMPONENTS.length + 1, name);
    const model = buildDemoComponent(name, { size, seed: opts.seed, fp16: opts.fp16 });
    model.metadataProps.push({ key: 'r2r.demo', value: JSON.stringify({ size, seed: opts.seed ?? 0 }) });
    const sub = join(dir, name);
    mkdirSync(sub, { recursive: true });
    const external = opts.externalData || (size === 'sd15' && name === 'unet');
    const res = saveModel(model, join(sub, 'model.onnx'), { externalData: external ? 'always' : 'auto', signal: opts.signal });
    writeJson(join(sub, 'config.json'), componentConfig(name, size));
    summary.components.push({
      name,
      path: join(sub, 'model.onnx'),
      bytes: res.modelBytes + res.dataBytes,
      dataFile: res.dataFile,
      parameters: parameterCount(model),
    });
  });
  opts.onProgress?.(DEMO_COMPONENTS.length, DEMO_COMPONENTS.length + 1, 'tokenizer');
  writeTokenizerFolder(join(dir, 'tokenizer'));
  mkdirSync(join(dir, 'scheduler'), { recursive: true });
  writeJson(join(dir, 'scheduler', 'scheduler_config.json'), SD15_SCHEDULER_CONFIG);
  writeJson(join(dir, 'model_index.json'), {
    _class_name: 'ORTStableDiffusionPipeline',
    _diffusers_version: '0.30.0',
    requires_safety_checker: false,
    scheduler: ['diffusers', 'DDIMScheduler'],
    text_encoder: ['optimum', 'ORTModelTextEncoder'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    unet: ['optimum', 'ORTModelUnet'],
    vae_decoder: ['optimum', 'ORTModelVaeDecoder'],
    vae_encoder: ['optimum', 'ORTModelVaeEncoder'],
    feature_extractor: [null, null],
    safety_checker: [null, null],
    r2r_demo: { size, seed: opts.seed ?? 0, dtype: summary.dtype },
  });
  opts.onProgress?.(DEMO_COMPONENTS.length + 1, DEMO_COMPONENTS.length + 1, 'done');
  return summary;
}
