import type { PairMetricsRecord } from '../../preload/api/metrics-types';
import { compareSsim } from './compare';
import { loadMask, loadRgb } from './image';
import type { LpipsNetwork } from './lpips';
import { textureReport, type GaborReport } from './texture';

/**
 * Every per-pair number the studio shows for an output against its source render: SSIM
 * (whole image and inside the mask), texture and colour preservation inside the mask (whole
 * image without one), the Gabor-bank scores on request and, when an LPIPS network is
 * supplied, LPIPS.
 */
export interface PairMetrics extends Omit<PairMetricsRecord, 'width' | 'height'>, Partial<GaborReport> {
  lpips?: number;
}

export interface PairFiles {
  source: string;
  output: string;
  mask?: string;
}

export async function measurePair(files: PairFiles, opts: { lpips?: LpipsNetwork; gabor?: boolean } = {}): Promise<PairMetrics> {
  const [source, output, mask] = await Promise.all([loadRgb(files.source), loadRgb(files.output), files.mask ? loadMask(files.mask) : undefined]);
  const names: [string, string, string] = [files.source, files.output, files.mask ?? 'mask'];
  const ssim = compareSsim(source, output, mask, names);
  const texture = textureReport(source, output, mask, names, { gabor: opts.gabor });
  const metrics: PairMetrics = {
    ssim_rgb: ssim.ssim_rgb,
    ssim_luma: ssim.ssim_luma,
    ...(mask ? { masked_ssim_rgb: ssim.masked_ssim_rgb, masked_ssim_luma: ssim.masked_ssim_luma, mask_pixels: ssim.mask_pixels } : {}),
    laplacian_correlation: texture.laplacian_correlation,
    energy_correlation: texture.energy_correlation,
    energy_ratio: texture.energy_ratio,
    mean_delta_e00: texture.mean_delta_e00,
    mean_colour_delta_e00: texture.mean_colour_delta_e00,
    ...(opts.gabor ? { gabor_correlation: texture.gabor_correlation, gabor_energy_ratio: texture.gabor_energy_ratio } : {}),
  };
  if (opts.lpips) metrics.lpips = await opts.lpips.distance(source, output);
  return metrics;
}
