import type { Rect } from './rect';

/**
 * One mask layer: an 8-bit alpha bitmap the size of the render (0 = off, 255 = fully on).
 * Rows are contiguous; every edit names the rectangle it touched so views redraw only that.
 */
export class MaskBitmap {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    data?: Uint8Array,
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new Error(`mask size must be positive integers, got ${width}x${height}`);
    }
    if (data && data.length !== width * height) throw new Error(`mask data holds ${data.length} bytes, ${width}x${height} needs ${width * height}`);
    this.data = data ?? new Uint8Array(width * height);
  }

  get(x: number, y: number): number {
    return this.data[y * this.width + x]!;
  }

  /** copies the pixels of `r` (already clipped) out, row after row */
  read(r: Rect): Uint8Array {
    const out = new Uint8Array(r.w * r.h);
    for (let row = 0; row < r.h; row++) {
      const start = (r.y + row) * this.width + r.x;
      out.set(this.data.subarray(start, start + r.w), row * r.w);
    }
    return out;
  }

  /** writes pixels read() returned for the same rect */
  write(r: Rect, pixels: Uint8Array): void {
    for (let row = 0; row < r.h; row++) {
      this.data.set(pixels.subarray(row * r.w, (row + 1) * r.w), (r.y + row) * this.width + r.x);
    }
  }

  /** the number of pixels above zero (tests and the status bar) */
  coverage(): number {
    let n = 0;
    for (let i = 0; i < this.data.length; i++) if (this.data[i]! > 0) n++;
    return n;
  }

  /** sum of all values: a cheap fingerprint of the layer's state */
  sum(): number {
    let s = 0;
    for (let i = 0; i < this.data.length; i++) s += this.data[i]!;
    return s;
  }
}
