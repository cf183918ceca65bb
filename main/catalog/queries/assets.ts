import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors';
import { registerAsset, writeAsset } from '../assets';
import { decodeImage, ImageProblem } from '../images';
import type { Library } from '../library';
import type { Asset } from '../types';
import { toAsset } from './rows';
import type { AssetRow } from './rows';

/** decodes, stores (content-addressed) and registers an image; returns its record */
export async function storeImage(lib: Library, bytes: Uint8Array, what = 'image'): Promise<Asset> {
  let decoded;
  try {
    decoded = await decodeImage(bytes);
  } catch (err) {
    if (err instanceof ImageProblem) throw new UserError('bad-image', `${what}: ${err.message}`, 'Save the image again as PNG and retry.');
    throw err;
  }
  const ref = { ...writeAsset(lib.root, bytes, decoded.ext), width: decoded.width, height: decoded.height };
  lib.write(() => registerAsset(lib, ref));
  return getAsset(lib, ref.hash)!;
}

export function getAsset(lib: Library, hash: string): Asset | undefined {
  const row = lib.sql<[string], AssetRow>('SELECT hash, ext, bytes, width, height FROM assets WHERE hash = ?').get(hash);
  return row && toAsset(row);
}

/** the bytes of a stored asset */
export function readAsset(lib: Library, hash: string): Buffer {
  const a = getAsset(lib, hash);
  if (!a) throw new UserError('asset-unknown', `no asset ${hash} in the library at ${lib.root}`);
  return readFileSync(join(lib.root, a.path));
}
