// the per-step loops live in small functions of their own: V8 optimizes them at once, where
// inside the long async shot function they could run unoptimized and box every float

/** guided = eps(neg) + g (eps(cond) - eps(neg)), rows at the given offsets; false when a value is NaN or infinite */
export function guideInto(guided: Float32Array, eps: Float32Array, neg: number, cond: number, g: number): boolean {
  let ok = true;
  for (let i = 0; i < guided.length; i++) {
    const en = eps[neg + i]!;
    const v = en + g * (eps[cond + i]! - en);
    guided[i] = v;
    // NaN or Inf in either row propagates into this sum (0 * Inf is NaN too)
    if (v - v !== 0) ok = false;
  }
  return ok;
}

export function allFinite(data: Float32Array, from: number, to: number): boolean {
  let ok = true;
  for (let i = from; i < to; i++) if (data[i]! - data[i]! !== 0) ok = false;
  return ok;
}

/** x = m x + (1 - m) target per latent pixel, the mask [h*w] shared by the channels */
export function blendOutsideMask(x: Float32Array, target: Float32Array, mask: Float32Array, channels: number): void {
  const plane = mask.length;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane; i++) {
      const k = c * plane + i;
      x[k] = mask[i]! * x[k]! + (1 - mask[i]!) * target[k]!;
    }
  }
}
