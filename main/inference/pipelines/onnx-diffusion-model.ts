import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { UserError } from '../../common/errors';
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer';
import type { DiffusionModel, UnetCall } from './diffusion-model';
import type { Planar } from './tiled';

/** the names the adaptation passes give their new inputs */
export const TAC_SOURCE_INPUT = 'tac_qk_source';
export const TAC_MASK_INPUT = 'tac_token_mask';
export const EXTRA_EMBEDDINGS_INPUT = 'extra_token_embeddings';

/** a loaded component: an onnxruntime session and a way to build inputs typed from its metadata */
export interface ComponentSession {
  name: string;
  session: InferenceSession;
  /** a tensor for input `name`, converted to the dtype the session declares (float16, int64, ...) */
  input(name: string, data: Float32Array | Int32Array | number[], dims: readonly number[]): Tensor;
  /** output values as float32, whatever the session's dtype */
  output(t: Tensor): Float32Array;
}

export interface OnnxModelParts {
  id: string;
  provider: string;
  tokenizer: ClipTokenizer;
  textEncoder: ComponentSession;
  unet: ComponentSession;
  vaeEncoder: ComponentSession;
  vaeDecoder: ComponentSession;
  scalingFactor: number;
  vaeFactor: number;
  sizeMultiple: number;
  /** rows of extra_token_embeddings for the textual-inversion tokens added to the tokenizer, [N, D] */
  extraEmbeddings?: { data: Float32Array; rows: number; width: number };
}

function hasInput(c: ComponentSession, name: string): boolean {
  return c.session.inputNames.includes(name);
}

function metaShape(c: ComponentSession, name: string): readonly (number | string)[] | undefined {
  const m = c.session.inputMetadata.find((v) => v.name === name);
  return m && m.isTensor ? m.shape : undefined;
}

/**
 * The diffusion model as four onnxruntime sessions. Every run is timed so a shot can report
 * how much of its time is inside session.run.
 */
export class OnnxDiffusionModel implements DiffusionModel {
  readonly id: string;
  readonly provider: string;
  readonly latentChannels = 4;
  readonly vaeFactor: number;
  readonly sizeMultiple: number;
  readonly scalingFactor: number;
  readonly supportsTac: boolean;
  readonly supportsTextureLock: boolean;
  private readonly parts: OnnxModelParts;
  private ms = 0;
  private readonly textCache = new Map<string, Float32Array>();
  private readonly scalarTimestep: boolean;

  constructor(parts: OnnxModelParts) {
    this.parts = parts;
    this.id = parts.id;
    this.provider = parts.provider;
    this.vaeFactor = parts.vaeFactor;
    this.sizeMultiple = parts.sizeMultiple;
    this.scalingFactor = parts.scalingFactor;
    this.supportsTac = hasInput(parts.unet, TAC_SOURCE_INPUT);
    this.supportsTextureLock = hasInput(parts.unet, TAC_MASK_INPUT);
    this.scalarTimestep = (metaShape(parts.unet, 'timestep') ?? [1]).length === 0;
    const extra = parts.extraEmbeddings;
    if (extra && !hasInput(parts.textEncoder, EXTRA_EMBEDDINGS_INPUT)) {
      throw new Error(`the text encoder has no ${EXTRA_EMBEDDINGS_INPUT} input for textual-inversion tokens`);
    }
  }

  private async run(c: ComponentSession, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const start = performance.now();
    try {
      return (await c.session.run(feeds)) as Record<string, Tensor>;
    } catch (err) {
      throw new UserError('model-run-failed', `the ${c.name} failed to run: ${(err as Error).message.split('\n')[0]}`, 'Check that the model folder is an unmodified SD 1.x ONNX export; try --provider cpu.', { cause: err });
    } finally {
      this.ms += performance.now() - start;
    }
  }

  async encodeText(prompt: string): Promise<Float32Array> {
    const cached = this.textCache.get(prompt);
    if (cached) return cached;
    const { textEncoder: te, tokenizer } = this.parts;
    const tok = tokenizer.tokenize(prompt);
    const idsName = te.session.inputNames.find((n) => n === 'input_ids') ?? te.session.inputNames[0]!;
    const feeds: Record<string, Tensor> = { [idsName]: te.input(idsName, tok.ids, [1, tok.ids.length]) };
    if (hasInput(te, EXTRA_EMBEDDINGS_INPUT)) {
      const extra = this.parts.extraEmbeddings;
      const width = extra?.width ?? Number(metaShape(te, EXTRA_EMBEDDINGS_INPUT)?.[1] ?? 768);
      // no textual-inversion tokens: one zero row nobody indexes (a zero-length input is not portable)
      feeds[EXTRA_EMBEDDINGS_INPUT] = extra ? te.input(EXTRA_EMBEDDINGS_INPUT, extra.data, [extra.rows, width]) : te.input(EXTRA_EMBEDDINGS_INPUT, new Float32Array(width), [1, width]);
    }
    const out = await this.run(te, feeds);
    const name = te.session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : te.session.outputNames[0]!;
    const emb = te.output(out[name]!);
    this.textCache.set(prompt, emb);
    return emb;
  }

  async unet(call: UnetCall): Promise<Float32Array> {
    const u = this.parts.unet;
    const dims = [call.batch, this.latentChannels, call.height, call.width];
    const tokens = call.text.length / call.batch;
    const width = Number(metaShape(u, 'encoder_hidden_states')?.[2] ?? 768);
    const feeds: Record<string, Tensor> = {
      sample: u.input('sample', call.latents, dims),
      timestep: this.scalarTimestep ? u.input('timestep', [call.timestep], []) : u.input('timestep', Array(call.batch).fill(call.timestep), [call.batch]),
      encoder_hidden_states: u.input('encoder_hidden_states', call.text, [call.batch, tokens / width, width]),
    };
    if (this.supportsTac) feeds[TAC_SOURCE_INPUT] = u.input(TAC_SOURCE_INPUT, call.tacQkSource ?? Array.from({ length: call.batch }, (_, i) => i), [call.batch]);
    if (this.supportsTextureLock) {
      const plane = dims[2]! * dims[3]!;
      const mask = call.textureLock ?? new Float32Array(call.batch * plane).fill(1);
      feeds[TAC_MASK_INPUT] = u.input(TAC_MASK_INPUT, mask, [call.batch, 1, dims[2]!, dims[3]!]);
    }
    const out = await this.run(u, feeds);
    return u.output(out[u.session.outputNames[0]!]!);
  }

  async vaeEncode(image: Planar): Promise<Planar> {
    const e = this.parts.vaeEncoder;
    const inName = e.session.inputNames[0]!;
    const out = await this.run(e, { [inName]: e.input(inName, image.data, [1, 3, image.height, image.width]) });
    const outName = e.session.outputNames.includes('latent_parameters') ? 'latent_parameters' : e.session.outputNames[0]!;
    const t = out[outName]!;
    const data = e.output(t);
    const [, ch, h, w] = t.dims as number[];
    const C = this.latentChannels;
    // latent_parameters hold mean | logvar: the mean is the first C channels
    const mean = ch === 2 * C ? data.subarray(0, C * h! * w!) : data;
    if (ch !== C && ch !== 2 * C) throw new UserError('model-bad-vae', `the VAE encoder gives ${ch} channels, expected ${C} or ${2 * C}`, 'Use an SD 1.x VAE export.');
    return { channels: C, width: w!, height: h!, data: Float32Array.from(mean) };
  }

  async vaeDecode(latent: Planar): Promise<Planar> {
    const d = this.parts.vaeDecoder;
    const inName = d.session.inputNames[0]!;
    const out = await this.run(d, { [inName]: d.input(inName, latent.data, [1, latent.channels, latent.height, latent.width]) });
    const t = out[d.session.outputNames[0]!]!;
    const [, ch, h, w] = t.dims as number[];
    return { channels: ch!, width: w!, height: h!, data: d.output(t) };
  }

  runMs(): number {
    return this.ms;
  }

  async dispose(): Promise<void> {
    for (const c of [this.parts.textEncoder, this.parts.unet, this.parts.vaeEncoder, this.parts.vaeDecoder]) await c.session.release();
  }
}
