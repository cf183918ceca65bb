import { deflateSync, inflateSync } from 'node:zlib';
import { crc32, encodePng, encodePngChunk, PNG_SIGNATURE, type PngChunk } from '../../common/png';

// the writer lives in common/png (previews use it too); these names stay importable from here
export { crc32, encodePngChunk, type PngChunk };

export function isPng(buf: Buffer): boolean {
  return buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE);
}

/** the bytes are not a well-formed PNG: what every PNG reader here throws for bad input */
export class PngFormatError extends Error {
  override name = 'PngFormatError';
}

/** compressed text and ICC profiles are small; a chunk inflating past this is a zip bomb */
export const MAX_INFLATED_CHUNK = 16 * 2 ** 20;

function inflateChunk(data: Buffer, what: string): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: MAX_INFLATED_CHUNK });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? `it inflates to more than ${MAX_INFLATED_CHUNK} bytes` : (err as Error).message;
    throw new PngFormatError(`${what} cannot be decompressed: ${why}`);
  }
}

/** the offset of the NUL ending a keyword (or other field) at `from`, or a PngFormatError */
function nulAfter(data: Buffer, from: number, what: string): number {
  const at = data.indexOf(0, from);
  if (at < 0) throw new PngFormatError(`${what} has no NUL separator`);
  return at;
}

/** every chunk of a PNG, in order; throws a PngFormatError on a bad signature, truncation or a CRC mismatch */
export function readPngChunks(buf: Buffer): PngChunk[] {
  if (!isPng(buf)) throw new PngFormatError('not a PNG file (bad signature)');
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < buf.length) {
    if (at + 12 > buf.length) throw new PngFormatError(`truncated PNG chunk header at byte ${at}`);
    const length = buf.readUInt32BE(at);
    const typeBuf = buf.subarray(at + 4, at + 8);
    if (at + 12 + length > buf.length) throw new PngFormatError(`truncated PNG chunk ${typeBuf.toString('latin1')} at byte ${at}`);
    const data = buf.subarray(at + 8, at + 8 + length);
    const crc = buf.readUInt32BE(at + 8 + length);
    if (crc !== crc32([typeBuf, data])) throw new PngFormatError(`CRC mismatch in PNG chunk ${typeBuf.toString('latin1')} at byte ${at}`);
    chunks.push({ type: typeBuf.toString('latin1'), data });
    at += 12 + length;
    if (chunks[chunks.length - 1]!.type === 'IEND') break;
  }
  return chunks;
}

function checkKeyword(keyword: string): void {
  // png spec 11.3.4: 1-79 latin-1 characters, no leading/trailing/double spaces
  if (keyword.length < 1 || keyword.length > 79 || !/^[\x20-\x7e\xa1-\xff]+$/.test(keyword) || /^ | $| {2}/.test(keyword)) {
    throw new Error(`invalid PNG text keyword '${keyword}'`);
  }
}

/** tEXt: latin-1 keyword and text; characters outside latin-1 are not representable */
export function textChunk(keyword: string, text: string): PngChunk {
  checkKeyword(keyword);
  if (/[^\x00-\xff]/.test(text)) throw new Error(`tEXt '${keyword}' holds characters outside latin-1; use iTXt`);
  return { type: 'tEXt', data: Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]) };
}

/** iTXt: UTF-8 text, optionally deflate-compressed */
export function itxtChunk(keyword: string, text: string, compress = false): PngChunk {
  checkKeyword(keyword);
  const body = compress ? deflateSync(Buffer.from(text, 'utf8')) : Buffer.from(text, 'utf8');
  return {
    type: 'iTXt',
    data: Buffer.concat([
      Buffer.from(keyword, 'latin1'),
      Buffer.from([0, compress ? 1 : 0, 0]), // null, compression flag, method
      Buffer.from([0]), // empty language tag
      Buffer.from([0]), // empty translated keyword
      body,
    ]),
  };
}

/** iCCP: the embedded ICC profile, zlib-compressed (png spec 11.3.3.3) */
export function iccpChunk(name: string, icc: Buffer): PngChunk {
  checkKeyword(name);
  return { type: 'iCCP', data: Buffer.concat([Buffer.from(name, 'latin1'), Buffer.from([0, 0]), deflateSync(icc)]) };
}

/** the ICC profile of a PNG, or undefined */
export function pngIccProfile(buf: Buffer): Buffer | undefined {
  const c = readPngChunks(buf).find((x) => x.type === 'iCCP');
  if (!c) return undefined;
  return inflateChunk(c.data.subarray(nulAfter(c.data, 0, 'iCCP chunk') + 2), 'iCCP chunk');
}

export interface PngText {
  type: 'tEXt' | 'iTXt' | 'zTXt';
  keyword: string;
  text: string;
}

/** decodes the text chunks of a PNG (tEXt, zTXt, iTXt); a malformed one is a PngFormatError */
export function readPngText(buf: Buffer): PngText[] {
  const out: PngText[] = [];
  for (const c of readPngChunks(buf)) {
    if (c.type !== 'tEXt' && c.type !== 'iTXt' && c.type !== 'zTXt') continue;
    const what = `${c.type} chunk`;
    const nul = nulAfter(c.data, 0, what);
    const keyword = c.data.toString('latin1', 0, nul);
    if (c.type === 'tEXt') out.push({ type: c.type, keyword, text: c.data.toString('latin1', nul + 1) });
    else if (c.type === 'zTXt') out.push({ type: c.type, keyword, text: inflateChunk(c.data.subarray(nul + 2), what).toString('latin1') });
    else {
      // keyword NUL, compression flag, method, language NUL, translated keyword NUL, text
      if (nul + 3 > c.data.length) throw new PngFormatError(`${what} '${keyword}' ends before its compression flag`);
      const compressed = c.data[nul + 1] === 1;
      const langEnd = nulAfter(c.data, nul + 3, what);
      const transEnd = nulAfter(c.data, langEnd + 1, what);
      const body = c.data.subarray(transEnd + 1);
      out.push({ type: c.type, keyword, text: (compressed ? inflateChunk(body, what) : body).toString('utf8') });
    }
  }
  return out;
}

/**
 * Returns a PNG with `add` inserted before the first IDAT, after dropping existing text
 * chunks whose keyword is in `replaceKeywords` (so re-tagging never duplicates a key).
 */
export function insertPngChunks(buf: Buffer, add: PngChunk[], replaceKeywords: string[] = []): Buffer {
  const chunks = readPngChunks(buf);
  const drop = new Set(replaceKeywords);
  const kept = chunks.filter((c) => {
    if (c.type !== 'tEXt' && c.type !== 'iTXt' && c.type !== 'zTXt') return true;
    return !drop.has(c.data.toString('latin1', 0, c.data.indexOf(0)));
  });
  const idat = kept.findIndex((c) => c.type === 'IDAT');
  if (idat < 0) throw new Error('PNG has no IDAT chunk');
  const ordered = [...kept.slice(0, idat), ...add, ...kept.slice(idat)];
  return encodePng(ordered);
}
