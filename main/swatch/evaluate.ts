import { compareTiles } from './compare';
import { extractSwatch } from './extract';
import { MAX_LAG_SHARE } from './period';
import type { RgbImage } from './planes';
import { clothMask, erodeMask, largestInsideRect } from './region';
import type { Rect } from './region';

export interface TrueSwatch {
  tile: RgbImage;
  periodX: number;
  periodY: number;
}

export type SwatchScore =
  | { measured: true; region: Rect; periodX: number; periodY: number; confidence: { x: number | null; y: number | null }; periodErrorPx: number; ssim: number }
  | { measured: false; region: Rect | null; reason: string };

/** px kept clear of the garment's outline, where anti-aliasing and the backdrop mix in */
const OUTLINE_MARGIN = 6;

/**
 * Extracts a swatch from a render of the garment, the patch being the largest rectangle
 * inside its mask (given, or found from where the picture is textured), and scores it
 * against the true tile: period error (px, the worse axis) and SSIM after phase alignment.
 * A patch that cannot show the repeat often enough to measure it (see MAX_LAG_SHARE) is
 * reported as not measured, with the reason.
 */
export function scoreSwatch(render: RgbImage, truth: TrueSwatch, mask?: Uint8Array): SwatchScore {
  const inside = mask ?? clothMask(render);
  const region = largestInsideRect(erodeMask(inside, render.width, render.height, OUTLINE_MARGIN), render.width, render.height) ?? null;
  if (!region) return { measured: false, region, reason: 'the mask leaves no patch inside the garment' };
  const needX = truth.periodX / MAX_LAG_SHARE;
  const needY = truth.periodY / MAX_LAG_SHARE;
  if (region[2] < needX || region[3] < needY) {
    return {
      measured: false,
      region,
      reason: `the largest patch inside the garment (${region[2]}x${region[3]} px) is too small to show a ${truth.periodX}x${truth.periodY} px repeat often enough (needs ${Math.ceil(needX)}x${Math.ceil(needY)})`,
    };
  }
  const swatch = extractSwatch(render, { region });
  const periodErrorPx = Math.max(Math.abs(swatch.repeat.periodX - truth.periodX), Math.abs(swatch.repeat.periodY - truth.periodY));
  const { ssim } = compareTiles(swatch.tile, truth.tile);
  return { measured: true, region, periodX: swatch.repeat.periodX, periodY: swatch.repeat.periodY, confidence: swatch.confidence, periodErrorPx, ssim };
}
