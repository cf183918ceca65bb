import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { A, GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { DataType } from '../../../main/inference/onnx/model';
import { modelToBytes } from '../../../main/inference/onnx/write-model';

/**
 * Tiny Segment Anything pairs with the real export names and ranks, built with the project's
 * graph builder. Their decoders draw a disk of RADIUS_1024 (in the encoder's 1024 space)
 * around the first prompt point, so a test reads back where a click landed.
 */
const F = DataType.FLOAT;
export const RADIUS_1024 = 64;

function pooledConv(b: GraphBuilder, image: string, pool: number, channels: number, name: string): string {
  const pooled = b.op('AveragePool', [image], { kernel_shape: A.ints([pool, pool]), strides: A.ints([pool, pool]) });
  return b.scope(name, () => b.op('Conv', [pooled, b.weight('weight', [channels, 3, 1, 1], { kind: 'uniform', std: 0.5 })]));
}

export function sam1Encoder(imageInput: 'x' | 'image' = 'image'): Uint8Array {
  const b = new GraphBuilder(F, 1);
  const img = b.input(imageInput, F, [1, 3, 1024, 1024]);
  b.output('image_embeddings', pooledConv(b, img, 16, 256, 'neck'), F, [1, 256, 64, 64]);
  return modelToBytes(b.model('tiny-sam1-encoder', 17));
}

export function sam2Encoder(): Uint8Array {
  const b = new GraphBuilder(F, 2);
  const img = b.input('image', F, [1, 3, 1024, 1024]);
  b.output('high_res_feats_0', pooledConv(b, img, 4, 32, 'feat0'), F, [1, 32, 256, 256]);
  b.output('high_res_feats_1', pooledConv(b, img, 8, 64, 'feat1'), F, [1, 64, 128, 128]);
  b.output('image_embed', pooledConv(b, img, 16, 256, 'embed'), F, [1, 256, 64, 64]);
  return modelToBytes(b.model('tiny-sam2-encoder', 17));
}

/** 0 * mean(t): keeps an input in the graph without changing the mask */
function unused(b: GraphBuilder, t: string): string {
  return b.op('Mul', [b.op('ReduceMean', [t], { keepdims: A.i(0) }), b.constFloats([0])]);
}

/** r^2 - |(gx, gy) - first point|^2, broadcast over gy [.., H, 1] and gx [.., 1, W] */
function diskLogits(b: GraphBuilder, coords: string, gx: string, gy: string): string {
  const scalar0 = b.constInts([0], []);
  const first = b.op('Gather', [coords, scalar0], { axis: A.i(1) });
  const px = b.op('Gather', [first, scalar0], { axis: A.i(1) });
  const py = b.op('Gather', [first, b.constInts([1], [])], { axis: A.i(1) });
  const dx = b.op('Sub', [gx, px]);
  const dy = b.op('Sub', [gy, py]);
  const d2 = b.op('Add', [b.op('Mul', [dx, dx]), b.op('Mul', [dy, dy])]);
  return b.op('Sub', [b.constFloats([RADIUS_1024 * RADIUS_1024]), d2]);
}

/** pixel centres of a 256 grid over the 1024 square */
function grid256(b: GraphBuilder): { gx: string; gy: string } {
  const centres = Array.from({ length: 256 }, (_, i) => i * 4 + 2);
  return { gx: b.constFloats(centres, [1, 1, 1, 256]), gy: b.constFloats(centres, [1, 1, 256, 1]) };
}

const SAM1_DECODER_INPUTS = ['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input', 'orig_im_size'] as const;

/**
 * SAM 1 decoder: `masks` at orig_im_size (pixel (i, j) at ((i + 0.5) * 1024 / longest, ...)
 * as the official export's in-model upscale), `low_res_masks` on the 256 grid. `omit`
 * leaves inputs out to make a wrong pair.
 */
export function sam1Decoder(omit: readonly string[] = []): Uint8Array {
  const b = new GraphBuilder(F, 3);
  const shapes: Record<(typeof SAM1_DECODER_INPUTS)[number], (number | string)[]> = {
    image_embeddings: [1, 256, 64, 64], point_coords: [1, 'N', 2], point_labels: [1, 'N'], mask_input: [1, 1, 256, 256], has_mask_input: [1], orig_im_size: [2],
  };
  for (const n of SAM1_DECODER_INPUTS) if (!omit.includes(n)) b.input(n, F, shapes[n]);
  const coords = omit.includes('point_coords') ? b.constFloats([500, 500], [1, 1, 2]) : 'point_coords';
  const size = omit.includes('orig_im_size') ? b.constFloats([480, 640], [2]) : 'orig_im_size';
  const h = b.op('Gather', [size, b.constInts([0], [])]);
  const w = b.op('Gather', [size, b.constInts([1], [])]);
  const scale = b.op('Div', [b.constFloats([1024]), b.op('ReduceMax', [size], { axes: A.ints([0]), keepdims: A.i(0) })]);
  const centres = (n: string) => b.op('Mul', [b.op('Add', [b.op('Range', [b.constFloats([0]), n, b.constFloats([1])]), b.constFloats([0.5])]), scale]);
  const gx = b.op('Unsqueeze', [centres(w), b.constInts([0, 1, 2])]);
  const gy = b.op('Unsqueeze', [centres(h), b.constInts([0, 1, 3])]);
  let masks = diskLogits(b, coords, gx, gy);
  if (!omit.includes('image_embeddings')) masks = b.op('Add', [masks, unused(b, 'image_embeddings')]);
  b.output('masks', masks, F, [1, 1, 'H', 'W']);
  b.output('iou_predictions', b.constFloats([0.9], [1, 1]), F, [1, 1]);
  const g = grid256(b);
  b.output('low_res_masks', diskLogits(b, coords, g.gx, g.gy), F, [1, 1, 256, 256]);
  return modelToBytes(b.model('tiny-sam1-decoder', 17));
}

/** SAM 2 decoder: three masks on the 256 grid of the stretched 1024 frame; the disk is the middle one, which has the best IoU */
export function sam2Decoder(): Uint8Array {
  const b = new GraphBuilder(F, 4);
  const embed = b.input('image_embed', F, [1, 256, 64, 64]);
  const f0 = b.input('high_res_feats_0', F, [1, 32, 256, 256]);
  const f1 = b.input('high_res_feats_1', F, [1, 64, 128, 128]);
  b.input('point_coords', F, [1, 'N', 2]);
  b.input('point_labels', F, [1, 'N']);
  b.input('mask_input', F, [1, 1, 256, 256]);
  b.input('has_mask_input', F, [1]);
  const g = grid256(b);
  const disk = b.op('Add', [diskLogits(b, 'point_coords', g.gx, g.gy), b.op('Add', [unused(b, embed), b.op('Add', [unused(b, f0), unused(b, f1)])])]);
  const empty = b.op('Sub', [b.op('Mul', [disk, b.constFloats([0])]), b.constFloats([1])]);
  b.output('masks', b.op('Concat', [empty, disk, empty], { axis: A.i(1) }), F, [1, 3, 256, 256]);
  b.output('iou_predictions', b.constFloats([0.1, 0.9, 0.5], [1, 3]), F, [1, 3]);
  return modelToBytes(b.model('tiny-sam2-decoder', 17));
}

/** a model folder holding the pair under the given file names */
export function samFolder(encoder: Uint8Array, decoder: Uint8Array, names: { encoder?: string; decoder?: string } = {}, root?: string): string {
  const dir = root ?? mkdtempSync(join(tmpdir(), 'r2r-sam-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, names.encoder ?? 'encoder.onnx'), encoder);
  writeFileSync(join(dir, names.decoder ?? 'decoder.onnx'), decoder);
  return dir;
}

/** a flat RGB image */
export function flatImage(width: number, height: number, rgb: [number, number, number] = [120, 130, 140]): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

/** the centroid and pixel count of a 0/255 mask */
export function maskStats(m: { width: number; data: Uint8Array }): { x: number; y: number; area: number } {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < m.data.length; i++) {
    if (m.data[i] !== 255) continue;
    n++;
    sx += (i % m.width) + 0.5;
    sy += Math.floor(i / m.width) + 0.5;
  }
  return { x: sx / n, y: sy / n, area: n };
}
