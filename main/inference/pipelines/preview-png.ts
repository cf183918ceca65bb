import { deflateSync } from 'node:zlib';
import { encodePng } from '../../common/png';
import type { Preview } from './latent-preview';

/**
 * A latent preview as a PNG data URL, scaled up with square pixels to about `side`. Encoded
 * synchronously (a few KiB) so a step's progress and its preview leave the worker in order.
 */
export function previewDataUrl(p: Preview, side = 128): string {
  const s = Math.max(1, Math.floor(side / Math.max(p.width, p.height)));
  const w = p.width * s;
  const h = p.height * s;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    const sy = Math.floor(y / s);
    for (let x = 0; x < w; x++) {
      const src = 3 * (sy * p.width + Math.floor(x / s));
      raw[row + 1 + 3 * x] = p.rgb[src]!;
      raw[row + 2 + 3 * x] = p.rgb[src + 1]!;
      raw[row + 3 + 3 * x] = p.rgb[src + 2]!;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const png = encodePng([
    { type: 'IHDR', data: ihdr },
    { type: 'IDAT', data: deflateSync(raw) },
    { type: 'IEND', data: Buffer.alloc(0) },
  ]);
  return `data:image/png;base64,${png.toString('base64')}`;
}
