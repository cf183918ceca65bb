import type ort from 'onnxruntime-node';
import { UserError } from '../../common/errors';
import { TAC_MASK_INPUT, TAC_SOURCE_INPUT } from '../models/adapt-tac';
import { REF_REGION_INPUT, REF_ROWS_INPUT } from '../models/adapt-reference';
import { EXTRA_EMBEDDINGS_INPUT } from '../models/adapt-textual-inversion';
import type { ProviderName } from '../runtime/providers';
import { onnxruntimeHint } from '../runtime/onnxruntime-hint';
import type { ManagedSession, SessionManager } from '../runtime/session-manager';
import { Float16Memo } from '../onnx/float16';
import { floatOutput, hasInput, typedFeeds, type FeedValue, type TensorSpec } from '../runtime/typed-feeds';
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer';
import type { DiffusionModel, UnetCall } from './diffusion-model';
import type { Planar } from './tiled';

export type ComponentName = 'text_encoder' | 'unet' | 'vae_encoder' | 'vae_decoder';

const LABELS: Record<ComponentName, string> = { text_encoder: 'text encoder', unet: 'UNet', vae_encoder: 'VAE encoder', vae_decoder: 'VAE decoder' };

export interface OnnxModelParts {
  id: string;
  provider: ProviderName;
  sessions: SessionManager;
  /** model.onnx of each component (the UNet and text encoder from the adapted copy) */
  paths: Record<ComponentName, string>;
  /** the user's own file of each component, named in errors instead of the copy in the cache */
  sources?: Record<ComponentName, string>;
  tokenizer: ClipTokenizer;
  scalingFactor: number;
  vaeFactor: number;
  sizeMultiple: number;
  /** rows of extra_token_embeddings for the textual-inversion tokens added to the tokenizer, [N, D] */
  extraEmbeddings?: { data: Float32Array; rows: number; width: number };
}

function shapeOf(specs: readonly TensorSpec[], name: string): readonly (number | string)[] | undefined {
  return specs.find((s) => s.name === name)?.shape;
}

/**
 * The diffusion model as four onnxruntime sessions held by the runtime's session manager.
 * Inputs are typed from each session's metadata (fp16 and fp32 exports alike); every run is
 * timed so a shot can report how much of its time is inside session.run.
 */
export class OnnxDiffusionModel implements DiffusionModel {
  readonly id: string;
  readonly provider: ProviderName;
  readonly latentChannels = 4;
  readonly vaeFactor: number;
  readonly sizeMultiple: number;
  readonly scalingFactor: number;
  supportsTac = false;
  supportsTextureLock = false;
  supportsReference = false;
  private readonly parts: OnnxModelParts;
  private ms = 0;
  private readonly textCache = new Map<string, Float32Array>();
  /** UNet inputs taken as float16 that stay the same through a shot (text, texture lock): converted once, not every step */
  private textIsHalf = false;
  private lockIsHalf = false;
  private readonly textHalf = new Float16Memo();
  private readonly lockHalf = new Float16Memo();

  private constructor(parts: OnnxModelParts) {
    this.parts = parts;
    this.id = parts.id;
    this.provider = parts.provider;
    this.vaeFactor = parts.vaeFactor;
    this.sizeMultiple = parts.sizeMultiple;
    this.scalingFactor = parts.scalingFactor;
  }

  /** opens every component once (so a broken file fails before any work) and reads what the UNet accepts */
  static async open(parts: OnnxModelParts): Promise<OnnxDiffusionModel> {
    const m = new OnnxDiffusionModel(parts);
    for (const c of ['text_encoder', 'vae_encoder', 'vae_decoder', 'unet'] as const) await m.session(c);
    const unet = await m.session('unet');
    m.supportsTac = hasInput(unet.inputs, TAC_SOURCE_INPUT);
    m.supportsTextureLock = hasInput(unet.inputs, TAC_MASK_INPUT);
    m.supportsReference = hasInput(unet.inputs, REF_ROWS_INPUT);
    m.textIsHalf = unet.inputs.some((s) => s.name === 'encoder_hidden_states' && s.type === 'float16');
    m.lockIsHalf = unet.inputs.some((s) => s.name === TAC_MASK_INPUT && s.type === 'float16');
    const te = await m.session('text_encoder');
    const extra = parts.extraEmbeddings;
    if (extra) {
      if (!hasInput(te.inputs, EXTRA_EMBEDDINGS_INPUT)) throw new Error(`the text encoder has no ${EXTRA_EMBEDDINGS_INPUT} input for textual-inversion tokens`);
      const width = shapeOf(te.inputs, EXTRA_EMBEDDINGS_INPUT)?.[1];
      if (typeof width === 'number' && width !== extra.width) {
        throw new UserError('embedding-width', `the embedding has vectors of width ${extra.width} but this text encoder's embeddings are ${width} wide`, 'Use an embedding trained for this model family (SD 1.x: 768).');
      }
    }
    return m;
  }

  private label(c: ComponentName): string {
    const source = this.parts.sources?.[c];
    return source ? `The ${LABELS[c]} (${source})` : `The ${LABELS[c]}`;
  }

  private session(c: ComponentName): Promise<ManagedSession> {
    return this.parts.sessions.get(this.parts.paths[c], this.provider, this.label(c));
  }

  private async run(c: ComponentName, values: Record<string, FeedValue>): Promise<ort.InferenceSession.ReturnType> {
    const s = await this.session(c);
    const feeds = typedFeeds(s.inputs, values, this.label(c));
    const start = performance.now();
    try {
      return await s.run(feeds);
    } catch (err) {
      throw new UserError('model-run-failed', `${this.label(c)} failed to run on the ${this.provider} provider.`, onnxruntimeHint(err, this.provider, 'Check that the model folder is an unmodified SD 1.x ONNX export'), { cause: err });
    } finally {
      this.ms += performance.now() - start;
    }
  }

  private async output(c: ComponentName, results: ort.InferenceSession.ReturnType, preferred?: string): Promise<{ data: Float32Array; dims: number[] }> {
    const s = await this.session(c);
    const name = preferred && s.outputs.some((o) => o.name === preferred) ? preferred : s.outputs[0]!.name;
    // NaN/Inf are reported by the pipeline, which knows the step and stage
    return floatOutput(results, name, this.label(c), { allowNonFinite: true });
  }

  async encodeText(prompt: string): Promise<Float32Array> {
    const cached = this.textCache.get(prompt);
    if (cached) return cached;
    const te = await this.session('text_encoder');
    const tok = this.parts.tokenizer.tokenize(prompt);
    const idsName = hasInput(te.inputs, 'input_ids') ? 'input_ids' : te.inputs[0]!.name;
    const values: Record<string, FeedValue> = { [idsName]: { kind: 'int', data: tok.ids, dims: [1, tok.ids.length] } };
    if (hasInput(te.inputs, EXTRA_EMBEDDINGS_INPUT)) {
      const extra = this.parts.extraEmbeddings;
      const width = extra?.width ?? Number(shapeOf(te.inputs, EXTRA_EMBEDDINGS_INPUT)?.[1] ?? 768);
      // no textual-inversion tokens: one zero row that no id reaches (zero-length inputs are not portable)
      values[EXTRA_EMBEDDINGS_INPUT] = extra ? { kind: 'float', data: extra.data, dims: [extra.rows, width] } : { kind: 'float', data: new Float32Array(width), dims: [1, width] };
    }
    const emb = (await this.output('text_encoder', await this.run('text_encoder', values), 'last_hidden_state')).data;
    this.textCache.set(prompt, emb);
    return emb;
  }

  async unet(call: UnetCall): Promise<Float32Array> {
    const dims = [call.batch, this.latentChannels, call.height, call.width];
    const tokens = this.parts.tokenizer.modelMaxLength;
    const hidden = call.text.length / call.batch / tokens;
    const values: Record<string, FeedValue> = {
      sample: { kind: 'float', data: call.latents, dims },
      timestep: { kind: 'timestep', value: call.timestep, batch: call.batch },
      encoder_hidden_states: { kind: 'float', data: call.text, dims: [call.batch, tokens, hidden], half: this.textIsHalf ? this.textHalf.of(call.text) : undefined },
    };
    if (this.supportsTac) values[TAC_SOURCE_INPUT] = { kind: 'int', data: call.tacQkSource ?? Array.from({ length: call.batch }, (_, i) => i), dims: [call.batch] };
    if (this.supportsTextureLock) {
      const plane = call.width * call.height;
      const lock = call.textureLock ?? this.ones(call.batch * plane);
      values[TAC_MASK_INPUT] = { kind: 'float', data: lock, dims: [call.batch, 1, call.height, call.width], half: this.lockIsHalf ? this.lockHalf.of(lock) : undefined };
    }
    if (this.supportsReference) {
      // no reference rows: zero-length inputs, with which every attn1 computes what it did before adaptation
      const refRows = call.refRows ?? [];
      values[REF_ROWS_INPUT] = { kind: 'int', data: refRows, dims: [refRows.length] };
      values[REF_REGION_INPUT] = { kind: 'float', data: call.refRegion ?? new Float32Array(0), dims: [call.batch, refRows.length, call.height, call.width] };
    }
    return (await this.output('unet', await this.run('unet', values))).data;
  }

  async vaeEncode(image: Planar): Promise<Planar> {
    const e = await this.session('vae_encoder');
    const out = await this.output('vae_encoder', await this.run('vae_encoder', { [e.inputs[0]!.name]: { kind: 'float', data: image.data, dims: [1, 3, image.height, image.width] } }), 'latent_parameters');
    const [, ch, h, w] = out.dims;
    const C = this.latentChannels;
    if (ch !== C && ch !== 2 * C) throw new UserError('model-bad-vae', `the VAE encoder gives ${ch} channels, expected ${C} (a sample) or ${2 * C} (mean and log-variance)`, 'Use an SD 1.x VAE export.');
    // latent_parameters hold mean | logvar: the mean is the first C channels
    return { channels: C, width: w!, height: h!, data: out.data.slice(0, C * h! * w!) };
  }

  async vaeDecode(latent: Planar): Promise<Planar> {
    const d = await this.session('vae_decoder');
    const out = await this.output('vae_decoder', await this.run('vae_decoder', { [d.inputs[0]!.name]: { kind: 'float', data: latent.data, dims: [1, latent.channels, latent.height, latent.width] } }), 'sample');
    const [, ch, h, w] = out.dims;
    return { channels: ch!, width: w!, height: h!, data: out.data };
  }

  private onesCache = new Float32Array(0);

  /** a mask of ones (no texture lock: every token takes the swapped query and key), kept between calls */
  private ones(n: number): Float32Array {
    if (this.onesCache.length !== n) this.onesCache = new Float32Array(n).fill(1);
    return this.onesCache;
  }

  runMs(): number {
    return this.ms;
  }

  async dispose(): Promise<void> {
    await this.parts.sessions.close();
  }
}
