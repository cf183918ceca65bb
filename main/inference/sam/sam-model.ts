import ort from 'onnxruntime-node';
import { UserError } from '../../common/errors';
import { onnxruntimeHint } from '../runtime/onnxruntime-hint';
import type { ProviderName } from '../runtime/providers';
import { sessionOptionsFor } from '../runtime/session-manager';
import { detectSamContract, type SamContract, type SamVariant } from './sam-contract';
import { findSamFiles, type SamFiles } from './sam-files';
import { SAM_SIZE, type SamFrame } from './sam-frame';
import { bestMask, maskToImage, type SamMask } from './postprocess';
import { prepareSamImage, type Rgb8 } from './preprocess';
import { decoderPoints, type SamPrompt } from './prompt';
import { feedTensor, readFloatOutput, type FloatTensor } from './sam-tensors';

/** what the encoder made of one image: everything the decoder needs besides the prompt */
export interface SamEmbedding {
  variant: SamVariant;
  frame: SamFrame;
  tensors: Record<string, FloatTensor>;
}

// the previous-mask prompt both decoders take; R2R Studio always starts from none
const MASK_INPUT_SIDE = 256;

async function openSession(path: string, provider: ProviderName, label: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(path, sessionOptionsFor(provider));
  } catch (err) {
    throw new UserError('sam-load-failed', `The ${label} ${path} could not be loaded.`, onnxruntimeHint(err, provider, 'The file may be damaged or incomplete (an .onnx_data file beside it?), or not ONNX; export it again', path), { cause: err });
  }
}

/**
 * A Segment Anything pair: the encoder turns an image into its embedding (slow, once per
 * image), the decoder turns the embedding and a prompt into a mask (fast, once per click).
 */
export class SamModel {
  encoderRuns = 0;
  decoderRuns = 0;
  private encoder: ort.InferenceSession | undefined;

  private constructor(
    readonly files: SamFiles,
    readonly contract: SamContract,
    private readonly provider: ProviderName,
    private readonly decoder: ort.InferenceSession,
    encoder: ort.InferenceSession | undefined,
  ) {
    this.encoder = encoder;
  }

  /** loads the pair and checks it; `decoderOnly` keeps the encoder closed until an image needs it (the click path) */
  static async load(dir: string, opts: { provider?: ProviderName; decoderOnly?: boolean } = {}): Promise<SamModel> {
    const files = findSamFiles(dir);
    const provider = opts.provider ?? 'cpu';
    const encoder = await openSession(files.encoder, provider, 'SAM encoder');
    let decoder: ort.InferenceSession;
    try {
      decoder = await openSession(files.decoder, provider, 'SAM decoder');
    } catch (err) {
      await encoder.release();
      throw err;
    }
    try {
      const contract = detectSamContract(
        { inputs: encoder.inputNames, outputs: encoder.outputNames },
        { inputs: decoder.inputNames, outputs: decoder.outputNames },
        `model in ${files.dir}`,
      );
      checkImageInput(encoder, contract.imageInput);
      if (opts.decoderOnly) {
        await encoder.release();
        return new SamModel(files, contract, provider, decoder, undefined);
      }
      return new SamModel(files, contract, provider, decoder, encoder);
    } catch (err) {
      await Promise.allSettled([encoder.release(), decoder.release()]);
      throw err;
    }
  }

  get variant(): SamVariant {
    return this.contract.variant;
  }

  /** runs the encoder on an 8-bit RGB image */
  async embed(img: Rgb8): Promise<SamEmbedding> {
    this.encoder ??= await openSession(this.files.encoder, this.provider, 'SAM encoder');
    const { frame, input } = await prepareSamImage(img, this.variant);
    const feeds = { [this.contract.imageInput]: feedTensor(this.encoder, this.contract.imageInput, input, [1, 3, SAM_SIZE, SAM_SIZE], 'SAM encoder') };
    const results = await this.encoder.run(feeds);
    this.encoderRuns++;
    const tensors: Record<string, FloatTensor> = {};
    for (const name of this.contract.embeddingNames) tensors[name] = readFloatOutput(results, name, 'SAM encoder');
    return { variant: this.variant, frame, tensors };
  }

  /** the mask of a prompt on an embedded image, at the image's size */
  async segment(embedding: SamEmbedding, prompt: SamPrompt): Promise<SamMask> {
    if (embedding.variant !== this.variant) {
      throw new UserError('sam-embedding-mismatch', `The image was embedded by a ${embedding.variant} encoder but the model is ${this.variant}.`, 'Prepare the image again with this model.');
    }
    const { frame } = embedding;
    const points = decoderPoints(prompt, frame, this.variant);
    const d = this.decoder;
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(embedding.tensors)) feeds[name] = feedTensor(d, name, t.data, t.dims, 'SAM decoder');
    feeds.point_coords = feedTensor(d, 'point_coords', points.coords, [1, points.count, 2], 'SAM decoder');
    feeds.point_labels = feedTensor(d, 'point_labels', points.labels, [1, points.count], 'SAM decoder');
    feeds.mask_input = feedTensor(d, 'mask_input', new Float32Array(MASK_INPUT_SIDE * MASK_INPUT_SIDE), [1, 1, MASK_INPUT_SIDE, MASK_INPUT_SIDE], 'SAM decoder');
    feeds.has_mask_input = feedTensor(d, 'has_mask_input', new Float32Array([0]), [1], 'SAM decoder');
    if (this.contract.decoderTakesOrigSize) feeds.orig_im_size = feedTensor(d, 'orig_im_size', new Float32Array([frame.imageHeight, frame.imageWidth]), [2], 'SAM decoder');
    const results = await d.run(feeds);
    this.decoderRuns++;
    const masks = readFloatOutput(results, 'masks', 'SAM decoder');
    const iou = readFloatOutput(results, 'iou_predictions', 'SAM decoder');
    if (masks.dims.length !== 4) throw new UserError('sam-bad-output', `The SAM decoder's masks have shape [${masks.dims.join(', ')}], not [1, M, H, W].`, 'Use a SAM ONNX export with the standard outputs.');
    const [, count, mh, mw] = masks.dims as [number, number, number, number];
    const pick = iou.data.length === count ? bestMask(iou.data) : 0;
    const plane = mh * mw;
    return maskToImage(masks.data.subarray(pick * plane, (pick + 1) * plane), mw, mh, frame, iou.data[pick] ?? 0);
  }

  async release(): Promise<void> {
    await Promise.allSettled([this.encoder?.release(), this.decoder.release()]);
    this.encoder = undefined;
  }
}

function checkImageInput(encoder: ort.InferenceSession, name: string): void {
  const meta = encoder.inputMetadata.find((m) => m.name === name);
  if (!meta || !meta.isTensor) return;
  const shape = meta.shape;
  const fits = shape.length === 4 && [1, 3, SAM_SIZE, SAM_SIZE].every((want, i) => typeof shape[i] !== 'number' || (shape[i] as number) < 0 || shape[i] === want);
  if (!fits) {
    throw new UserError('sam-wrong-pair', `The SAM encoder's input "${name}" has shape [${shape.join(', ')}]; R2R Studio feeds [1, 3, 1024, 1024] (NCHW, normalised outside the model).`, 'Export the encoder without the preprocessing inside (the segment_anything / sam2 image encoder alone).');
  }
}
