/**
 * Three passes of a box blur in each direction approximate a Gaussian (central limit);
 * each pass is a running sum, so the cost does not grow with the radius.
 */
export function boxBlur3(data: Uint8Array, width: number, height: number, radius: number): void {
  const r = Math.max(0, Math.round(radius));
  if (r === 0) return;
  const tmp = new Float32Array(data.length);
  const buf = Float32Array.from(data);
  for (let pass = 0; pass < 3; pass++) {
    blurLines(buf, tmp, width, height, r, 1, width); // rows
    blurLines(tmp, buf, height, width, r, width, 1); // columns
  }
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(buf[i]!)));
}

// blurs `lines` lines of `length` samples; step walks within a line, stride between lines.
// edges are clamped (the border value repeats), so a full mask stays full.
function blurLines(src: Float32Array, dst: Float32Array, length: number, lines: number, r: number, step: number, stride: number): void {
  const norm = 1 / (2 * r + 1);
  for (let line = 0; line < lines; line++) {
    const base = line * stride;
    const at = (k: number) => src[base + Math.min(length - 1, Math.max(0, k)) * step]!;
    let sum = 0;
    for (let k = -r; k <= r; k++) sum += at(k);
    for (let k = 0; k < length; k++) {
      dst[base + k * step] = sum * norm;
      sum += at(k + r + 1) - at(k - r);
    }
  }
}
