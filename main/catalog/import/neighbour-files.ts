import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

/**
 * Reads the files a model or material file names beside it (a .gltf's buffers and textures, a
 * .u3m's images), relative to its folder: undefined for one that would lie outside the import
 * source, is over `maxBytes` or cannot be read (the caller names what is missing).
 */
export function neighbourReader(source: string, fileRel: string, maxBytes: number): (path: string) => Uint8Array | undefined {
  const dir = resolve(source, dirname(fileRel));
  return (path) => {
    const file = resolve(dir, path);
    const rel = relative(resolve(source), file);
    if (rel.startsWith('..') || rel.startsWith(sep)) return undefined;
    try {
      if (statSync(file).size > maxBytes) return undefined;
      return readFileSync(file);
    } catch {
      return undefined;
    }
  };
}
