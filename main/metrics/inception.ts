import type ort from 'onnxruntime-node';
import { UserError } from '../common/errors';
import type { RgbImage } from './image';
import type { ImageInput } from './networks';
import { imageInput, openNetwork, outputElementsPerRow, toNchw } from './networks';

/**
 * Inception features for KID from a network the user supplies: one float32 input
 * [N, 3, H, W] (299 x 299 unless the model fixes another size; images are resized
 * bilinearly with half-pixel centres, no antialiasing) and a first output with 2048 values
 * per image ([N, 2048] or the pool3 shape [N, 2048, 1, 1]).
 * Inception exports differ in what input range they expect, so the caller names it:
 * 'uint8' (0..255, torch-fidelity), 'unit' (0..1, pytorch-fid), 'symmetric' (-1..1, TF /
 * Keras), or an explicit range with optional per-channel mean and std (ImageNet style).
 */
export type InceptionNormalization =
  | 'uint8'
  | 'unit'
  | 'symmetric'
  | { range: [number, number]; mean?: [number, number, number]; std?: [number, number, number] };

export const INCEPTION_CONTRACT =
  'A KID feature network takes one float32 input [N, 3, 299, 299] (or symbolic H, W) and returns 2048 features per image ([N, 2048] or [N, 2048, 1, 1]).';

export const INCEPTION_SIZE = 299;
export const INCEPTION_FEATURES = 2048;

export function normaliser(n: InceptionNormalization): (v: number, channel: number) => number {
  const spec = n === 'uint8' ? { range: [0, 255] } : n === 'unit' ? { range: [0, 1] } : n === 'symmetric' ? { range: [-1, 1] } : n;
  const [lo, hi] = spec.range;
  const mean = 'mean' in spec && spec.mean ? spec.mean : [0, 0, 0];
  const std = 'std' in spec && spec.std ? spec.std : [1, 1, 1];
  return (v, c) => ((v / 255) * (hi - lo) + lo - mean[c]) / std[c];
}

export class InceptionNetwork {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly input: ImageInput,
    private readonly output: string,
    private readonly normalise: (v: number, c: number) => number,
  ) {}

  static async load(file: string, normalization: InceptionNormalization): Promise<InceptionNetwork> {
    const session = await openNetwork(file, 'Inception');
    try {
      if (session.inputMetadata.length !== 1) {
        throw new UserError('model-contract', `${file}: a KID feature network needs 1 image input, this one has ${session.inputMetadata.length}`, INCEPTION_CONTRACT);
      }
      const input = imageInput(session.inputMetadata[0], file, INCEPTION_CONTRACT);
      const out = session.outputMetadata[0];
      if (!out || !out.isTensor || out.type !== 'float32') {
        throw new UserError('model-contract', `${file}: the first output of the feature network must be a float32 tensor`, INCEPTION_CONTRACT);
      }
      const perRow = outputElementsPerRow(out);
      if (perRow !== null && perRow !== INCEPTION_FEATURES) {
        throw new UserError('model-contract', `${file}: output '${out.name}' has ${perRow} features per image, not ${INCEPTION_FEATURES}`, INCEPTION_CONTRACT);
      }
      return new InceptionNetwork(session, input, out.name, normaliser(normalization));
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** 2048 features per image, in order; runs in batches of the model's fixed batch size or 8 */
  async features(images: RgbImage[]): Promise<Float32Array[]> {
    const width = this.input.width ?? INCEPTION_SIZE;
    const height = this.input.height ?? INCEPTION_SIZE;
    const batch = this.input.batch ?? 8;
    const out: Float32Array[] = [];
    for (let start = 0; start < images.length; start += batch) {
      const chunk = images.slice(start, start + batch);
      const real = chunk.length;
      // a fixed batch size is filled up with copies whose features are dropped
      while (this.input.batch !== null && chunk.length < batch) chunk.push(chunk[0]);
      const result = await this.session.run({ [this.input.name]: toNchw(chunk, width, height, this.normalise) });
      const data = result[this.output]?.data as Float32Array | undefined;
      if (!data || data.length !== chunk.length * INCEPTION_FEATURES) {
        throw new UserError('model-contract', `the feature network returned ${data?.length ?? 0} values for ${chunk.length} images, not ${INCEPTION_FEATURES} each`, INCEPTION_CONTRACT);
      }
      for (let i = 0; i < real; i++) out.push(data.slice(i * INCEPTION_FEATURES, (i + 1) * INCEPTION_FEATURES));
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
