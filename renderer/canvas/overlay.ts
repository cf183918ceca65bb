import type { MaskBitmap } from './mask-bitmap';
import type { Rect } from './rect';

/** '#ff3b30' -> [255, 59, 48] */
export function parseHexColour(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const n = parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/**
 * Colours a rectangle of a mask into RGBA pixels: the overlay colour with the mask as alpha.
 * Opacity is applied by the view (node opacity), so changing it never repaints pixels.
 */
export function colourise(mask: MaskBitmap, r: Rect, rgb: readonly [number, number, number], out: Uint8ClampedArray): void {
  const [cr, cg, cb] = rgb;
  // write 32-bit words: a quarter of the stores of byte-by-byte writes
  const words = new Uint32Array(out.buffer, out.byteOffset, r.w * r.h);
  const little = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  const base = little ? (cb << 16) | (cg << 8) | cr : ((cr << 24) | (cg << 16) | (cb << 8)) >>> 0;
  for (let row = 0; row < r.h; row++) {
    const src = (r.y + row) * mask.width + r.x;
    const dst = row * r.w;
    for (let col = 0; col < r.w; col++) {
      const a = mask.data[src + col]!;
      words[dst + col] = little ? (base | (a << 24)) >>> 0 : (base | a) >>> 0;
    }
  }
}

/**
 * A canvas the size of the mask showing it in colour. update() repaints only the dirty
 * rectangle (putImageData of that rect), which is what keeps painting on a 4096x4096
 * render fast.
 */
export class MaskOverlay {
  readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  private rgb: [number, number, number];

  constructor(
    private readonly mask: MaskBitmap,
    colour: string,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = mask.width;
    this.canvas.height = mask.height;
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: false })!;
    this.rgb = parseHexColour(colour);
    this.update({ x: 0, y: 0, w: mask.width, h: mask.height });
  }

  setColour(colour: string): void {
    this.rgb = parseHexColour(colour);
    this.update({ x: 0, y: 0, w: this.mask.width, h: this.mask.height });
  }

  update(r: Rect): void {
    if (r.w <= 0 || r.h <= 0) return;
    // large rects go in bands so a full repaint never allocates a 64 MB buffer at once
    const band = Math.max(1, Math.floor((4 * 1024 * 1024) / r.w));
    for (let y = r.y; y < r.y + r.h; y += band) {
      const h = Math.min(band, r.y + r.h - y);
      const img = this.ctx.createImageData(r.w, h);
      colourise(this.mask, { x: r.x, y, w: r.w, h }, this.rgb, img.data);
      this.ctx.putImageData(img, r.x, y);
    }
  }
}
