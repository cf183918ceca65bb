import type ort from 'onnxruntime-node';
import { UserError } from '../common/errors';
import type { RgbImage } from './image';
import { assertSameSize } from './image';
import type { ImageInput } from './networks';
import { imageInput, openNetwork, outputElementsPerRow, toNchw } from './networks';

/**
 * LPIPS (Zhang et al. 2018, AlexNet variant) with a network the user supplies.
 *
 * The contract is the one `torch.onnx.export(lpips.LPIPS(net='alex'), (in0, in1), ...)` gives:
 * two float32 inputs [N, 3, H, W] (in graph order: first image, second image) holding RGB
 * scaled to [-1, 1], and a first output with one value per batch row (usually [N, 1, 1, 1]):
 * the distance. H and W may be symbolic (images are fed at their own size) or fixed (images
 * are resized bilinearly to them).
 */
export const LPIPS_CONTRACT =
  'An LPIPS model takes two float32 inputs [N, 3, H, W] in [-1, 1] and returns the distance, one value per row (e.g. [N, 1, 1, 1]), as torch.onnx.export of lpips.LPIPS(net="alex") writes it.';

/** 0..255 to [-1, 1], the `lpips` package's normalisation of images */
export const toSymmetric = (v: number): number => v / 127.5 - 1;

export class LpipsNetwork {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputs: [ImageInput, ImageInput],
    private readonly output: string,
  ) {}

  static async load(file: string): Promise<LpipsNetwork> {
    const session = await openNetwork(file, 'LPIPS');
    try {
      const metas = session.inputMetadata;
      if (metas.length !== 2) {
        throw new UserError('model-contract', `${file}: an LPIPS model needs 2 image inputs, this one has ${metas.length} (${session.inputNames.join(', ')})`, LPIPS_CONTRACT);
      }
      const inputs: [ImageInput, ImageInput] = [imageInput(metas[0], file, LPIPS_CONTRACT), imageInput(metas[1], file, LPIPS_CONTRACT)];
      if (inputs.some((i) => i.batch !== null && i.batch !== 1)) {
        throw new UserError('model-contract', `${file}: the LPIPS model's batch dimension is fixed at ${inputs[0].batch}; it must be 1 or symbolic`, LPIPS_CONTRACT);
      }
      if (inputs[0].height !== inputs[1].height || inputs[0].width !== inputs[1].width) {
        throw new UserError('model-contract', `${file}: the two inputs of the LPIPS model have different sizes`, LPIPS_CONTRACT);
      }
      const out = session.outputMetadata[0];
      if (!out || !out.isTensor || out.type !== 'float32') {
        throw new UserError('model-contract', `${file}: the first output of the LPIPS model must be a float32 tensor`, LPIPS_CONTRACT);
      }
      const perRow = outputElementsPerRow(out);
      if (perRow !== null && perRow !== 1) {
        throw new UserError('model-contract', `${file}: output '${out.name}' holds ${perRow} values per image, not one distance (it looks like a feature extractor)`, LPIPS_CONTRACT);
      }
      return new LpipsNetwork(session, inputs, out.name);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** the size images are resized to, or null when the network takes any size */
  get inputSize(): { width: number; height: number } | null {
    const { width, height } = this.inputs[0];
    return width !== null && height !== null ? { width, height } : null;
  }

  /** LPIPS distance between two images of the same size (0 = identical) */
  async distance(a: RgbImage, b: RgbImage): Promise<number> {
    assertSameSize(a, b, 'first image', 'second image');
    const width = this.inputs[0].width ?? a.width;
    const height = this.inputs[0].height ?? a.height;
    const feeds = {
      [this.inputs[0].name]: toNchw([a], width, height, toSymmetric),
      [this.inputs[1].name]: toNchw([b], width, height, toSymmetric),
    };
    const result = await this.session.run(feeds);
    const value = result[this.output];
    if (!value || value.data.length !== 1) {
      throw new UserError('model-contract', `the LPIPS model returned ${value?.data.length ?? 0} values for one pair, not one distance`, LPIPS_CONTRACT);
    }
    return Number(value.data[0]);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
