export interface JpegSegment {
  /** marker byte after 0xFF, e.g. 0xE1 for APP1 */
  marker: number;
  /** byte offset of the 0xFF of the marker */
  offset: number;
  /** payload after the 2-byte length (empty for markers without one) */
  data: Buffer;
}

const XMP_HEADER = 'http://ns.adobe.com/xap/1.0/\0';
const ICC_HEADER = 'ICC_PROFILE\0';

/**
 * Walks the marker segments of a JPEG up to start-of-scan, checks the file ends with EOI,
 * and throws on anything malformed (the test's independent check of what sharp wrote).
 */
export function readJpegSegments(buf: Buffer): JpegSegment[] {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) throw new Error('not a JPEG file (no SOI marker)');
  if (buf[buf.length - 2] !== 0xff || buf[buf.length - 1] !== 0xd9) throw new Error('JPEG file does not end with EOI (truncated?)');
  const segments: JpegSegment[] = [];
  let at = 2;
  while (at < buf.length) {
    if (buf[at] !== 0xff) throw new Error(`expected a JPEG marker at byte ${at}`);
    let marker = buf[at + 1]!;
    while (marker === 0xff) marker = buf[++at + 1]!; // fill bytes
    if (marker === 0xd9) break;
    if (marker >= 0xd0 && marker <= 0xd7) throw new Error(`restart marker outside scan data at byte ${at}`);
    if (at + 4 > buf.length) throw new Error(`truncated JPEG segment at byte ${at}`);
    const length = buf.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > buf.length) throw new Error(`bad JPEG segment length at byte ${at}`);
    segments.push({ marker, offset: at, data: buf.subarray(at + 4, at + 2 + length) });
    at += 2 + length;
    if (marker === 0xda) break; // entropy-coded data follows
  }
  return segments;
}

/** the XMP packet in an APP1 segment, or undefined */
export function jpegXmp(buf: Buffer): string | undefined {
  for (const s of readJpegSegments(buf)) {
    if (s.marker === 0xe1 && s.data.toString('latin1', 0, XMP_HEADER.length) === XMP_HEADER) {
      return s.data.toString('utf8', XMP_HEADER.length);
    }
  }
  return undefined;
}

/** the ICC profile reassembled from APP2 ICC_PROFILE segments, or undefined */
export function jpegIccProfile(buf: Buffer): Buffer | undefined {
  const parts: { seq: number; data: Buffer }[] = [];
  for (const s of readJpegSegments(buf)) {
    if (s.marker === 0xe2 && s.data.toString('latin1', 0, ICC_HEADER.length) === ICC_HEADER) {
      parts.push({ seq: s.data[ICC_HEADER.length]!, data: s.data.subarray(ICC_HEADER.length + 2) });
    }
  }
  if (!parts.length) return undefined;
  return Buffer.concat(parts.sort((a, b) => a.seq - b.seq).map((p) => p.data));
}

/** width and height from the SOFn frame header */
export function jpegSize(buf: Buffer): { width: number; height: number } {
  for (const s of readJpegSegments(buf)) {
    if (s.marker >= 0xc0 && s.marker <= 0xcf && s.marker !== 0xc4 && s.marker !== 0xc8 && s.marker !== 0xcc) {
      return { height: s.data.readUInt16BE(1), width: s.data.readUInt16BE(3) };
    }
  }
  throw new Error('JPEG has no frame header');
}

function segment(marker: number, payload: Buffer): Buffer {
  if (payload.length + 2 > 0xffff) throw new Error(`JPEG segment payload too large (${payload.length} bytes)`);
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** APP2 ICC_PROFILE segments (ICC.1 annex B.4): chunks of at most 65,519 bytes, numbered from 1 */
export function iccSegments(icc: Buffer): Buffer[] {
  const max = 0xffff - 2 - ICC_HEADER.length - 2;
  const count = Math.ceil(icc.length / max);
  if (count > 255) throw new Error('ICC profile too large for JPEG');
  return Array.from({ length: count }, (_, i) =>
    segment(0xe2, Buffer.concat([Buffer.from(ICC_HEADER, 'latin1'), Buffer.from([i + 1, count]), icc.subarray(i * max, (i + 1) * max)])),
  );
}

export function xmpSegment(xmp: string): Buffer {
  return segment(0xe1, Buffer.concat([Buffer.from(XMP_HEADER, 'latin1'), Buffer.from(xmp, 'utf8')]));
}

/**
 * Inserts segments after SOI and the JFIF/EXIF application segments, where readers look for
 * XMP and ICC (the order libjpeg and exiftool write).
 */
export function insertJpegSegments(buf: Buffer, add: Buffer[]): Buffer {
  const segments = readJpegSegments(buf);
  let at = 2;
  for (const s of segments) {
    if (s.marker === 0xe0 || (s.marker === 0xe1 && s.data.toString('latin1', 0, 6) === 'Exif\0\0')) at = s.offset + 4 + s.data.length;
    else break;
  }
  return Buffer.concat([buf.subarray(0, at), ...add, buf.subarray(at)]);
}
