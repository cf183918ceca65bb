import type { RgbImage } from './fit';
import type { Mask } from './mask';
import type { SourceImage } from './source-image';
import { sampleScale } from './source-image';

/**
 * The shot written out: the generated pixels where `weight` > 0 (blended by it), the
 * source's own samples, bit for bit, where it is 0. Alpha and bit depth come from the
 * source; a grey source gets the generated image's luma (Rec. 709).
 */
export function compositeOnSource(src: SourceImage, generated: RgbImage, weight?: Mask): SourceImage {
  if (generated.width !== src.width || generated.height !== src.height) {
    throw new Error(`composite: generated ${generated.width}x${generated.height} vs source ${src.width}x${src.height}`);
  }
  const n = src.width * src.height;
  const ch = src.channels;
  const scale = sampleScale(src.depth);
  const out = src.depth === 16 ? new Uint16Array(src.data.length) : new Uint8Array(src.data.length);
  const g = generated.data;
  const sd = src.data;
  for (let i = 0; i < n; i++) {
    const m = weight ? weight.data[i]! : 1;
    const o = i * ch;
    if (m <= 0) {
      for (let c = 0; c < ch; c++) out[o + c] = sd[o + c]!;
      continue;
    }
    const mm = m > 1 ? 1 : m;
    if (src.grey) {
      const y = 0.2126 * g[3 * i]! + 0.7152 * g[3 * i + 1]! + 0.0722 * g[3 * i + 2]!;
      const v = Math.round(sd[o]! * (1 - mm) + y * scale * mm);
      out[o] = out[o + 1] = out[o + 2] = v < 0 ? 0 : v > scale ? scale : v;
    } else {
      for (let c = 0; c < 3; c++) {
        const v = Math.round(sd[o + c]! * (1 - mm) + g[3 * i + c]! * scale * mm);
        out[o + c] = v < 0 ? 0 : v > scale ? scale : v;
      }
    }
    if (ch === 4) out[o + 3] = sd[o + 3]!;
  }
  return { ...src, data: out };
}
