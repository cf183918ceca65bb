import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UserError } from '../common/errors';

const cache = new Map<string, { stamp: string; fingerprint: string }>();

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * A cheap fingerprint of a model folder, the same on every machine holding the same model:
 * sha256 of model_index.json's bytes and each file's relative path and size. Weights are not
 * read (a folder is gigabytes); two models differing only inside a same-sized weight file
 * would look alike, which a copied or downloaded model folder never does in practice.
 */
export function modelFingerprint(modelDir: string): string {
  const dir = resolve(modelDir);
  const index = join(dir, 'model_index.json');
  if (!existsSync(index)) throw new UserError('not-a-model', `${dir} has no model_index.json`, 'Give a Stable Diffusion ONNX folder (e.g. one written by `r2r demo-model`).');
  const files = filesUnder(dir).filter((f) => !relative(dir, f).split(/[\\/]/).some((part) => part.startsWith('.')));
  const listing = files.map((f) => `${relative(dir, f).split('\\').join('/')}\t${statSync(f).size}`).join('\n');
  const stamp = `${listing}\n${statSync(index).mtimeMs}`;
  const hit = cache.get(dir);
  if (hit?.stamp === stamp) return hit.fingerprint;
  const fingerprint = createHash('sha256').update(readFileSync(index)).update('\n').update(listing).digest('hex').slice(0, 32);
  cache.set(dir, { stamp, fingerprint });
  return fingerprint;
}
