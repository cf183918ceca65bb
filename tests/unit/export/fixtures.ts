import sharp from 'sharp';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'r2r-export-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RenderSpec {
  width: number;
  height: number;
  background: { r: number; g: number; b: number; alpha?: number };
  /** the garment: a rectangle with a striped "knit" texture */
  product: { left: number; top: number; width: number; height: number };
  seed?: number;
}

/** raw RGBA pixels of a synthetic render: uniform background, textured product rectangle */
export function renderPixels(spec: RenderSpec): Buffer {
  const { width: w, height: h, background: bg, product: p } = spec;
  const buf = Buffer.alloc(w * h * 4);
  const seed = spec.seed ?? 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      const inside = x >= p.left && x < p.left + p.width && y >= p.top && y < p.top + p.height;
      if (inside) {
        const stripe = ((x + seed) >> 2) % 2 === 0;
        buf[o] = stripe ? 30 : 160;
        buf[o + 1] = 60 + ((y * 7 + seed) % 40);
        buf[o + 2] = stripe ? 120 : 40;
        buf[o + 3] = 255;
      } else {
        buf[o] = bg.r;
        buf[o + 1] = bg.g;
        buf[o + 2] = bg.b;
        buf[o + 3] = bg.alpha ?? 255;
      }
    }
  }
  return buf;
}

export async function renderPng(spec: RenderSpec): Promise<Buffer> {
  return sharp(renderPixels(spec), { raw: { width: spec.width, height: spec.height, channels: 4 } }).png().toBuffer();
}

/** the bounding box of pixels farther than `tol` from white, computed independently of the exporter */
export function nonWhiteBox(data: Buffer, w: number, h: number, channels: number, tol = 30) {
  let left = w, top = h, right = -1, bottom = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * channels;
      if (255 - data[o]! > tol || 255 - data[o + 1]! > tol || 255 - data[o + 2]! > tol) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
      }
    }
  }
  return right < 0 ? undefined : { left, top, width: right - left + 1, height: bottom - top + 1 };
}
