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

export const OVERLAY_TILE = 512;

export interface OverlayTile {
  x: number;
  y: number;
  w: number;
  h: number;
  canvas: HTMLCanvasElement;
}

/**
 * The mask in colour, as tiles of 512x512 canvases. update() repaints only the dirty
 * rectangle, and only the tiles it touches change: drawing a canvas makes the browser
 * snapshot it after each change, and a snapshot of one tile costs 1 MB where a single
 * 4096x4096 canvas would cost 64 MB per frame.
 */
export class MaskOverlay {
  readonly tiles: OverlayTile[] = [];
  private ctxs: CanvasRenderingContext2D[] = [];
  private rgb: [number, number, number];

  constructor(
    private readonly mask: MaskBitmap,
    colour: string,
  ) {
    for (let y = 0; y < mask.height; y += OVERLAY_TILE) {
      for (let x = 0; x < mask.width; x += OVERLAY_TILE) {
        const canvas = document.createElement('canvas');
        canvas.width = Math.min(OVERLAY_TILE, mask.width - x);
        canvas.height = Math.min(OVERLAY_TILE, mask.height - y);
        this.tiles.push({ x, y, w: canvas.width, h: canvas.height, canvas });
        this.ctxs.push(canvas.getContext('2d')!);
      }
    }
    this.rgb = parseHexColour(colour);
    this.update({ x: 0, y: 0, w: mask.width, h: mask.height });
  }

  setColour(colour: string): void {
    const rgb = parseHexColour(colour);
    if (rgb.every((v, i) => v === this.rgb[i])) return;
    this.rgb = rgb;
    this.update({ x: 0, y: 0, w: this.mask.width, h: this.mask.height });
  }

  /** repaints the rect; returns the tiles it touched */
  update(r: Rect): OverlayTile[] {
    const touched: OverlayTile[] = [];
    if (r.w <= 0 || r.h <= 0) return touched;
    this.tiles.forEach((t, k) => {
      const x0 = Math.max(r.x, t.x), y0 = Math.max(r.y, t.y);
      const x1 = Math.min(r.x + r.w, t.x + t.w), y1 = Math.min(r.y + r.h, t.y + t.h);
      if (x1 <= x0 || y1 <= y0) return;
      const ctx = this.ctxs[k]!;
      const img = ctx.createImageData(x1 - x0, y1 - y0);
      colourise(this.mask, { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, this.rgb, img.data);
      ctx.putImageData(img, x0 - t.x, y0 - t.y);
      touched.push(t);
    });
    return touched;
  }
}
