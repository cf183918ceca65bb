import type { Planar } from './tiled';

/** One UNet evaluation: a batch of latents at one timestep. */
export interface UnetCall {
  batch: number;
  /** the latent grid, w x h */
  width: number;
  height: number;
  /** [B, C, h, w] */
  latents: Float32Array;
  timestep: number;
  /** [B, T, D] */
  text: Float32Array;
  /** per batch row, the row whose attn1 query/key it uses; omitted = identity (no control) */
  tacQkSource?: number[];
  /** per latent token in [0, 1]: how much of the swapped query/key a token takes (texture lock) */
  textureLock?: Float32Array;
  /** batch rows whose attn1 keys and values every row may also attend to (reference attention); omitted = none */
  refRows?: number[];
  /** [B, R, h, w]: for row b, the weight of reference r's tokens per latent token (0 = not at all) */
  refRegion?: Float32Array;
}

/**
 * What the pipelines need from a loaded model. The ONNX implementation lives in
 * onnx-diffusion-model.ts; tests also drive the loop with small pure functions.
 */
export interface DiffusionModel {
  /** identifies the weights, for the inversion cache */
  id: string;
  provider: string;
  latentChannels: number;
  /** image pixels per latent pixel (8 for SD 1.x) */
  vaeFactor: number;
  /** canvas sides must be multiples of this (VAE factor x UNet downsampling) */
  sizeMultiple: number;
  /** the VAE's scaling factor (0.18215 for SD 1.x) */
  scalingFactor: number;
  /** the UNet takes tac_qk_source */
  supportsTac: boolean;
  /** the UNet takes a per-token texture-lock mask */
  supportsTextureLock: boolean;
  /** the UNet takes ref_rows and ref_region (reference attention, for dressing) */
  supportsReference?: boolean;
  /** the prompt's embedding [1, T, D]; textual-inversion tokens loaded in the model are resolved here */
  encodeText(prompt: string): Promise<Float32Array>;
  /** the predicted noise for each row, [B, C, h, w] */
  unet(call: UnetCall): Promise<Float32Array>;
  /** image [3, H, W] in [-1, 1] -> latent mean [C, H/f, W/f] (unscaled) */
  vaeEncode(image: Planar): Promise<Planar>;
  /** latent [C, h, w] (unscaled) -> image [3, h*f, w*f] in [-1, 1] */
  vaeDecode(latent: Planar): Promise<Planar>;
  /** milliseconds spent inside model runs since the model was loaded */
  runMs(): number;
  dispose(): Promise<void>;
}
