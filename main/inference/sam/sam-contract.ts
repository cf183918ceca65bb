import { UserError } from '../../common/errors';
import { SAM_FOLDER_LAYOUT } from './sam-files';

/** SAM 1 and MobileSAM share one export contract; SAM 2 has its own */
export type SamVariant = 'sam1' | 'sam2';

export interface GraphNames {
  inputs: readonly string[];
  outputs: readonly string[];
}

export interface SamContract {
  variant: SamVariant;
  /** the encoder's image input ('x' in MobileSAM exports, 'image' in most others) */
  imageInput: string;
  /** encoder outputs that the decoder takes as inputs of the same name */
  embeddingNames: readonly string[];
  /** SAM 1 decoders upscale to the image inside the model when given orig_im_size */
  decoderTakesOrigSize: boolean;
}

const IMAGE_INPUTS = ['x', 'image'] as const;
const PROMPT_INPUTS = ['point_coords', 'point_labels', 'mask_input', 'has_mask_input'] as const;
const EMBEDDINGS: Record<SamVariant, readonly string[]> = {
  sam1: ['image_embeddings'],
  sam2: ['high_res_feats_0', 'high_res_feats_1', 'image_embed'],
};
const DECODER_OUTPUTS = ['masks', 'iou_predictions'] as const;

function missing(have: readonly string[], want: readonly string[]): string[] {
  return want.filter((n) => !have.includes(n));
}

function refuse(what: string, names: string[], has: readonly string[], variant: string): never {
  throw new UserError(
    'sam-wrong-pair',
    `The ${what} lacks ${names.length === 1 ? 'input' : 'inputs'} ${names.join(', ')} that a ${variant} pair needs (it has ${has.join(', ') || 'none'}).`,
    SAM_FOLDER_LAYOUT,
  );
}

/**
 * Tells SAM 1 / MobileSAM from SAM 2 by the encoder's output names and checks that the
 * decoder takes what the encoder gives plus the prompt inputs; a wrong pair is refused with
 * the names it lacks.
 */
export function detectSamContract(encoder: GraphNames, decoder: GraphNames, label = 'model'): SamContract {
  const imageInput = IMAGE_INPUTS.find((n) => encoder.inputs.includes(n));
  if (!imageInput) {
    throw new UserError('sam-wrong-pair', `The ${label} encoder has no image input x or image (it has ${encoder.inputs.join(', ') || 'none'}).`, SAM_FOLDER_LAYOUT);
  }
  const variant: SamVariant | undefined = encoder.outputs.includes('image_embeddings')
    ? 'sam1'
    : missing(encoder.outputs, EMBEDDINGS.sam2).length === 0 ? 'sam2' : undefined;
  if (!variant) {
    throw new UserError(
      'sam-wrong-pair',
      `The ${label} encoder gives ${encoder.outputs.join(', ') || 'nothing'}, neither image_embeddings (SAM 1 / MobileSAM) nor high_res_feats_0, high_res_feats_1 and image_embed (SAM 2).`,
      SAM_FOLDER_LAYOUT,
    );
  }
  const name = variant === 'sam1' ? 'SAM 1 / MobileSAM' : 'SAM 2';
  const wanted = [...EMBEDDINGS[variant], ...PROMPT_INPUTS, ...(variant === 'sam1' ? ['orig_im_size'] : [])];
  const lacking = missing(decoder.inputs, wanted);
  if (lacking.length) refuse(`${label} decoder`, lacking, decoder.inputs, name);
  const noOutputs = missing(decoder.outputs, DECODER_OUTPUTS);
  if (noOutputs.length) {
    throw new UserError('sam-wrong-pair', `The ${label} decoder lacks output${noOutputs.length === 1 ? '' : 's'} ${noOutputs.join(', ')} (it gives ${decoder.outputs.join(', ')}).`, SAM_FOLDER_LAYOUT);
  }
  return { variant, imageInput, embeddingNames: EMBEDDINGS[variant], decoderTakesOrigSize: decoder.inputs.includes('orig_im_size') };
}
