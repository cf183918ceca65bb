import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../common/errors';

/** what a Segment Anything folder must hold, for messages that tell the user where to put one */
export const SAM_FOLDER_LAYOUT =
  'A Segment Anything model is a folder with an encoder and a decoder ONNX file: encoder.onnx + decoder.onnx, or one *encoder*.onnx and one *decoder*.onnx ' +
  '(SAM 1 / MobileSAM: encoder input x or image -> image_embeddings; SAM 2: encoder -> high_res_feats_0, high_res_feats_1, image_embed). No model ships with R2R Studio.';

export interface SamFiles {
  dir: string;
  encoder: string;
  decoder: string;
}

function pick(dir: string, onnx: string[], part: 'encoder' | 'decoder'): string {
  if (onnx.includes(`${part}.onnx`)) return join(dir, `${part}.onnx`);
  const named = onnx.filter((f) => f.toLowerCase().includes(part));
  if (named.length === 1) return join(dir, named[0]!);
  if (named.length === 0) {
    throw new UserError('sam-missing-file', `${dir} has no ${part} ONNX file (it has ${onnx.length ? onnx.join(', ') : 'no .onnx files'}).`, SAM_FOLDER_LAYOUT);
  }
  throw new UserError('sam-ambiguous-file', `${dir} has ${named.length} files that could be the ${part}: ${named.join(', ')}.`, `Rename the one to use to ${part}.onnx. ${SAM_FOLDER_LAYOUT}`);
}

/** the encoder and decoder files of a Segment Anything model folder */
export function findSamFiles(where: string): SamFiles {
  const dir = resolve(where);
  if (!existsSync(dir)) throw new UserError('sam-not-found', `${dir} does not exist.`, SAM_FOLDER_LAYOUT);
  if (!statSync(dir).isDirectory()) throw new UserError('sam-not-a-folder', `${dir} is a file, not a model folder.`, SAM_FOLDER_LAYOUT);
  const onnx = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.onnx')).sort();
  return { dir, encoder: pick(dir, onnx, 'encoder'), decoder: pick(dir, onnx, 'decoder') };
}
