import { deflateSync, inflateSync } from 'fflate';
import type { MaskPixels } from '../../preload/api/library-types';
import type { MaskBitmap } from './mask-bitmap';

function toBase64(bytes: Uint8Array): string {
  let s = '';
  // fromCharCode takes arguments: go in chunks to stay below the engine's argument limit
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** a mask for the API: its bytes deflated (masks are mostly runs of 0 and 255) and base64 */
export function encodeMask(mask: MaskBitmap): MaskPixels {
  return { width: mask.width, height: mask.height, deflated: toBase64(deflateSync(mask.data, { level: 6 })) };
}

export function decodeMask(m: MaskPixels): Uint8Array {
  const data = inflateSync(fromBase64(m.deflated));
  if (data.length !== m.width * m.height) throw new Error(`mask data holds ${data.length} bytes, ${m.width}x${m.height} needs ${m.width * m.height}`);
  return data;
}
