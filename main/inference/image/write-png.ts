import { stat } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../../common/atomic-write';
import { UserError } from '../../common/errors';
import type { SourceImage } from './source-image';

/** PNG bytes of an image at its own depth; grey images are written as grey (with alpha when they have it) */
export async function encodeSourcePng(img: SourceImage): Promise<Buffer> {
  let data: Uint8Array | Uint16Array = img.data;
  let channels: number = img.channels;
  if (img.grey) {
    channels = img.channels === 4 ? 2 : 1;
    const n = img.width * img.height;
    const out = img.depth === 16 ? new Uint16Array(n * channels) : new Uint8Array(n * channels);
    for (let i = 0; i < n; i++) {
      out[i * channels] = img.data[i * img.channels]!;
      if (channels === 2) out[i * 2 + 1] = img.data[i * 4 + 3]!;
    }
    data = out;
  }
  const space = img.depth === 16 ? (img.grey ? 'grey16' : 'rgb16') : img.grey ? 'b-w' : 'srgb';
  return sharp(data, { raw: { width: img.width, height: img.height, channels: channels as 1 | 2 | 3 | 4 } })
    .toColourspace(space)
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** checks an output path before any work is done: a .png file in an existing folder */
export async function checkPngOutputPath(path: string): Promise<void> {
  if (extname(path).toLowerCase() !== '.png') {
    throw new UserError('bad-output', `output ${path} must end in .png`, 'Shots are written as PNG; name the output file *.png.');
  }
  const dir = dirname(path);
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) throw new UserError('bad-output', `the output folder ${dir} does not exist`, 'Create the folder first or pick another output path.');
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new UserError('bad-output', `output ${path} is a folder`, 'Give a file name ending in .png.');
}

/** Writes the PNG whole or not at all, into a folder that must exist. */
export async function writePngAtomic(path: string, img: SourceImage): Promise<void> {
  const bytes = await encodeSourcePng(img);
  try {
    writeFileAtomic(path, bytes, { makeFolders: false });
  } catch (err) {
    throw new UserError('write-failed', `cannot write ${path}: ${(err as Error).message}`, 'Check that the folder is writable and the disk has room.', { cause: err });
  }
}
