import type { MaskPurpose } from './library-types';

/** two library images (asset hashes) to measure, `a` the source, and optionally a render's stored mask */
export interface PairRequest {
  a: string;
  b: string;
  mask?: { renderId: number; purpose: MaskPurpose };
}

/**
 * main/metrics' numbers for a pair (see main/metrics/README.md): SSIM as scikit-image computes
 * it, texture and colour preservation inside the mask (the whole image without one).
 */
export interface PairMetricsRecord {
  width: number;
  height: number;
  ssim_rgb: number;
  ssim_luma: number;
  masked_ssim_rgb?: number;
  masked_ssim_luma?: number;
  mask_pixels?: number;
  laplacian_correlation: number | null;
  energy_correlation: number | null;
  energy_ratio: number | null;
  mean_delta_e00: number;
  mean_colour_delta_e00: number;
}
