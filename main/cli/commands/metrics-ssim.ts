import { basename } from 'node:path';
import type { CliCommand } from '../command';
import { needPositional, optString, printResult } from '../command';
import { compareSsim } from '../../metrics/compare';
import { loadMask, loadRgb } from '../../metrics/image';
import type { TextureReport } from '../../metrics/texture';
import { textureReport } from '../../metrics/texture';

export const metricsSsimCommand: CliCommand = {
  name: 'metrics ssim',
  summary: 'SSIM of two images (RGB and luma, as scikit-image computes it), optionally inside a mask',
  usage: '<a> <b> [--mask <png>] [--texture] [--json]',
  options: {
    mask: { type: 'string', help: 'PNG mask (white = inside): also report SSIM inside it' },
    texture: { type: 'boolean', help: 'also report texture preservation (Laplacian, high-frequency energy, Gabor)' },
    json: { type: 'boolean', help: 'print the numbers as JSON' },
  },
  async run(ctx) {
    const fileA = needPositional(ctx, 0, 'the first image');
    const fileB = needPositional(ctx, 1, 'the second image');
    const maskFile = optString(ctx, 'mask');
    const [a, b, mask] = await Promise.all([loadRgb(fileA), loadRgb(fileB), maskFile ? loadMask(maskFile) : undefined]);
    const names: [string, string, string] = [fileA, fileB, maskFile ?? 'mask'];
    const ssim = compareSsim(a, b, mask, names);
    let texture: Omit<TextureReport, 'mask_pixels'> | undefined;
    if (ctx.values.texture) {
      const { mask_pixels: _, ...rest } = textureReport(a, b, mask, names, { gabor: true });
      texture = rest;
    }
    const fmt = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(6) : '-');
    printResult(ctx, { ...ssim, ...texture }, () =>
      [
        `${basename(fileA)} vs ${basename(fileB)} (${ssim.width}x${ssim.height})`,
        `  SSIM RGB   ${fmt(ssim.ssim_rgb)}`,
        `  SSIM luma  ${fmt(ssim.ssim_luma)}`,
        ...(maskFile
          ? [`  inside ${basename(maskFile)} (${ssim.mask_pixels} px):`, `  SSIM RGB   ${fmt(ssim.masked_ssim_rgb)}`, `  SSIM luma  ${fmt(ssim.masked_ssim_luma)}`]
          : []),
        ...(texture
          ? [
              `  texture${maskFile ? ' inside the mask' : ''}:`,
              `  Laplacian correlation    ${fmt(texture.laplacian_correlation)}`,
              `  HF energy correlation    ${fmt(texture.energy_correlation)}`,
              `  HF energy ratio          ${fmt(texture.energy_ratio)}`,
              `  Gabor correlation        ${fmt(texture.gabor_correlation)}`,
              `  Gabor energy ratio       ${fmt(texture.gabor_energy_ratio)}`,
              `  mean CIEDE2000           ${fmt(texture.mean_delta_e00)}`,
              `  CIEDE2000 of mean colour ${fmt(texture.mean_colour_delta_e00)}`,
            ]
          : []),
      ].join('\n'),
    );
    return 0;
  },
};
