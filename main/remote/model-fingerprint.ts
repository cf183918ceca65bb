import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../common/errors';
import { FileHashMemo } from '../inference/models/fingerprint-memo';
import { modelContentFingerprint } from '../inference/models/fingerprint';

// each file is hashed once per process and again only when its size, times or inode change
const memo = FileHashMemo.inMemory();

/**
 * A model folder's content fingerprint (SHA-256 over every file a shot reads), the same on
 * every machine holding the same model wherever it lives: what a queued shot carries so a
 * worker with another model refuses it.
 */
export function modelFingerprint(modelDir: string): string {
  const dir = resolve(modelDir);
  if (!existsSync(join(dir, 'model_index.json'))) throw new UserError('not-a-model', `${dir} has no model_index.json`, 'Give a Stable Diffusion ONNX folder (e.g. one written by `r2r demo-model`).');
  return modelContentFingerprint(dir, memo).fingerprint;
}
