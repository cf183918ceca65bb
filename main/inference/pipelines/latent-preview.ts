/**
 * A cheap preview of a latent without the VAE: each latent channel mixed into RGB by the
 * linear factors commonly used for SD 1.x latents (as in ComfyUI's latent previewer).
 */
export const SD15_LATENT_RGB: readonly (readonly [number, number, number])[] = [
  [0.3512, 0.2297, 0.3227],
  [0.325, 0.4974, 0.235],
  [-0.2829, 0.1762, 0.2721],
  [-0.212, -0.2616, -0.7177],
];

export interface Preview {
  width: number;
  height: number;
  /** interleaved 8-bit RGB */
  rgb: Uint8Array;
}

/** the first `[C, h, w]` latent of a batch (unscaled by the VAE factor: the factors expect scaled latents) */
export function latentPreview(latent: Float32Array, channels: number, width: number, height: number): Preview {
  const plane = width * height;
  const rgb = new Uint8Array(plane * 3);
  const used = Math.min(channels, SD15_LATENT_RGB.length);
  // the factors as a flat table, so the per-pixel loop reads no nested arrays
  const f = new Float64Array(12);
  for (let c = 0; c < used; c++) for (let k = 0; k < 3; k++) f[c * 3 + k] = SD15_LATENT_RGB[c]![k]!;
  for (let i = 0; i < plane; i++) {
    for (let k = 0; k < 3; k++) {
      let v = 0;
      for (let c = 0; c < used; c++) v += latent[c * plane + i]! * f[c * 3 + k]!;
      const b = Math.round(((v + 1) / 2) * 255);
      rgb[3 * i + k] = b < 0 ? 0 : b > 255 ? 255 : b;
    }
  }
  return { width, height, rgb };
}
