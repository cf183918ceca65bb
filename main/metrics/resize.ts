/**
 * Bilinear resize with half-pixel centres and no antialiasing: what torch's
 * `F.interpolate(mode='bilinear', align_corners=False)` and TF1's resize feed Inception/LPIPS
 * nets with (source coordinate (i + 0.5) * in / out - 0.5, clamped to the edge pixels).
 */
function axisTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const f = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    const lo = Math.floor(src);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    f[o] = src - lo;
  }
  return { i0, i1, f };
}

export function resizeBilinear(plane: Float64Array, width: number, height: number, outWidth: number, outHeight: number): Float64Array {
  if (outWidth === width && outHeight === height) return plane.slice();
  const xs = axisTaps(width, outWidth);
  const ys = axisTaps(height, outHeight);
  const out = new Float64Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    const r0 = ys.i0[y] * width;
    const r1 = ys.i1[y] * width;
    const fy = ys.f[y];
    for (let x = 0; x < outWidth; x++) {
      const x0 = xs.i0[x];
      const x1 = xs.i1[x];
      const fx = xs.f[x];
      const top = plane[r0 + x0] * (1 - fx) + plane[r0 + x1] * fx;
      const bottom = plane[r1 + x0] * (1 - fx) + plane[r1 + x1] * fx;
      out[y * outWidth + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}
