import { basename } from 'node:path';
import type { CliCommand } from '../command';
import { needPositional, optString, printResult } from '../command';
import { compareSsim } from '../../metrics/compare';
import { loadMask, loadRgb } from '../../metrics/image';

export const metricsSsimCommand: CliCommand = {
  name: 'metrics ssim',
  summary: 'SSIM of two images (RGB and luma, as scikit-image computes it), optionally inside a mask',
  usage: '<a> <b> [--mask <png>] [--json]',
  options: { mask: { type: 'string' }, json: { type: 'boolean' } },
  async run(ctx) {
    const fileA = needPositional(ctx, 0, 'the first image');
    const fileB = needPositional(ctx, 1, 'the second image');
    const maskFile = optString(ctx, 'mask');
    const [a, b, mask] = await Promise.all([loadRgb(fileA), loadRgb(fileB), maskFile ? loadMask(maskFile) : undefined]);
    const report = compareSsim(a, b, mask, [fileA, fileB, maskFile ?? 'mask']);
    const fmt = (v: number) => v.toFixed(6);
    printResult(ctx, report, () =>
      [
        `${basename(fileA)} vs ${basename(fileB)} (${report.width}x${report.height})`,
        `  SSIM RGB   ${fmt(report.ssim_rgb)}`,
        `  SSIM luma  ${fmt(report.ssim_luma)}`,
        ...(report.masked_ssim_rgb !== undefined
          ? [
              `  inside ${basename(maskFile as string)} (${report.mask_pixels} px):`,
              `  SSIM RGB   ${fmt(report.masked_ssim_rgb)}`,
              `  SSIM luma  ${fmt(report.masked_ssim_luma as number)}`,
            ]
          : []),
      ].join('\n'),
    );
    return 0;
  },
};
