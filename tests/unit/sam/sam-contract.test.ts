import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserError } from '../../../main/common/errors';
import { detectSamContract } from '../../../main/inference/sam/sam-contract';
import { findSamFiles } from '../../../main/inference/sam/sam-files';
import { SamModel } from '../../../main/inference/sam/sam-model';
import { sam1Decoder, sam1Encoder, sam2Decoder, sam2Encoder, samFolder } from './tiny-sam';

const SAM1_DECODER = ['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input', 'orig_im_size'];
const OUTPUTS = ['masks', 'iou_predictions', 'low_res_masks'];

const loaded: SamModel[] = [];
afterEach(async () => {
  await Promise.all(loaded.splice(0).map((m) => m.release()));
});

async function load(dir: string): Promise<SamModel> {
  const m = await SamModel.load(dir);
  loaded.push(m);
  return m;
}

describe('SAM pair detection by input and output names', () => {
  it('tells SAM 1 / MobileSAM (x or image -> image_embeddings) from SAM 2 (high_res_feats_0/1, image_embed)', () => {
    expect(detectSamContract({ inputs: ['x'], outputs: ['image_embeddings'] }, { inputs: SAM1_DECODER, outputs: OUTPUTS })).toMatchObject({ variant: 'sam1', imageInput: 'x', decoderTakesOrigSize: true });
    const sam2 = detectSamContract(
      { inputs: ['image'], outputs: ['high_res_feats_0', 'high_res_feats_1', 'image_embed'] },
      { inputs: ['image_embed', 'high_res_feats_0', 'high_res_feats_1', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input'], outputs: ['masks', 'iou_predictions'] },
    );
    expect(sam2).toMatchObject({ variant: 'sam2', imageInput: 'image', decoderTakesOrigSize: false, embeddingNames: ['high_res_feats_0', 'high_res_feats_1', 'image_embed'] });
  });

  it('loads tiny pairs of both kinds from their folders', async () => {
    expect((await load(samFolder(sam1Encoder('x'), sam1Decoder()))).variant).toBe('sam1');
    expect((await load(samFolder(sam2Encoder(), sam2Decoder()))).variant).toBe('sam2');
  });

  it('refuses a decoder that lacks inputs, naming each missing one and the folder layout', async () => {
    const dir = samFolder(sam1Encoder(), sam1Decoder(['orig_im_size']));
    await expect(SamModel.load(dir)).rejects.toThrow(/lacks input orig_im_size that a SAM 1 \/ MobileSAM pair needs/);
    const two = samFolder(sam1Encoder(), sam1Decoder(['has_mask_input', 'point_labels']));
    const err = (await SamModel.load(two).then(
      () => undefined,
      (e: unknown) => e,
    )) as UserError;
    expect(err.code).toBe('sam-wrong-pair');
    expect(err.message).toContain('lacks inputs point_labels, has_mask_input');
    expect(err.hint).toMatch(/encoder\.onnx \+ decoder\.onnx/);
  });

  it('refuses a SAM 2 encoder with a SAM 1 decoder, naming the SAM 2 inputs it lacks', async () => {
    const dir = samFolder(sam2Encoder(), sam1Decoder());
    await expect(SamModel.load(dir)).rejects.toThrow('lacks inputs high_res_feats_0, high_res_feats_1, image_embed that a SAM 2 pair needs');
  });

  it('refuses an encoder without the image input or the embedding outputs', () => {
    expect(() => detectSamContract({ inputs: ['pixels'], outputs: ['image_embeddings'] }, { inputs: SAM1_DECODER, outputs: OUTPUTS })).toThrow('no image input x or image');
    expect(() => detectSamContract({ inputs: ['x'], outputs: ['features'] }, { inputs: SAM1_DECODER, outputs: OUTPUTS })).toThrow(/neither image_embeddings .* nor high_res_feats_0/);
  });
});

describe('SAM folder layout', () => {
  it('takes encoder.onnx + decoder.onnx, or one *encoder*.onnx and one *decoder*.onnx', () => {
    const exact = samFolder(sam1Encoder(), sam1Decoder());
    expect(findSamFiles(exact)).toEqual({ dir: exact, encoder: join(exact, 'encoder.onnx'), decoder: join(exact, 'decoder.onnx') });
    const named = samFolder(sam1Encoder(), sam1Decoder(), { encoder: 'mobile_sam_Encoder.onnx', decoder: 'mobile_sam_decoder.onnx' });
    expect(findSamFiles(named).encoder).toBe(join(named, 'mobile_sam_Encoder.onnx'));
  });

  it('says where to put a model when the folder has none, or two candidates', () => {
    const empty = mkdtempSync(join(tmpdir(), 'r2r-sam-empty-'));
    expect(() => findSamFiles(empty)).toThrow(/has no encoder ONNX file/);
    const two = samFolder(sam1Encoder(), sam1Decoder(), { encoder: 'a_encoder.onnx' });
    writeFileSync(join(two, 'b_encoder.onnx'), 'x');
    expect(() => findSamFiles(two)).toThrow('has 2 files that could be the encoder: a_encoder.onnx, b_encoder.onnx');
    expect(() => findSamFiles(join(empty, 'nope'))).toThrow(/does not exist/);
  });
});
