import { UserError } from '../common/errors';
import { gaussianFilter } from '../metrics/gaussian';
import type { Repeat } from './fold';
import { estimatePeriod } from './period';
import type { PeriodEstimate } from './period';
import { cropImage, lumaOf } from './planes';
import type { RgbImage } from './planes';
import { rectifyQuad } from './rectify';
import type { Point } from './rectify';
import { cutAtCalmestSeam, resampleWrapped } from './seamless';
import { removeShading } from './shading';

export interface SwatchRequest {
  /** x, y, width, height in image pixels */
  region?: [number, number, number, number];
  /** four corners: top-left, top-right, bottom-right, bottom-left */
  quad?: [Point, Point, Point, Point];
  /** the repeat in (rectified) pixels; estimated from the autocorrelation when absent */
  tile?: [number, number];
  /** the longer side of the output swatch in pixels; the native repeat when absent */
  size?: number;
}

export interface Swatch {
  /** one repeat, shading removed, seamless, at the requested size */
  image: RgbImage;
  /** the same repeat at its native size (one pixel per source pixel) */
  tile: RgbImage;
  repeat: Repeat;
  /** per axis; null where --tile gave the repeat */
  confidence: { x: number | null; y: number | null };
  /** size of the (rectified) patch the repeat was measured in */
  patch: { width: number; height: number };
}

/** the patch the artist marked, flat: a crop for a rectangle, a homography for four corners */
export function markedPatch(img: RgbImage, req: SwatchRequest): RgbImage {
  if (req.quad) return rectifyQuad(img, req.quad);
  const [x, y, w, h] = req.region ?? [0, 0, img.width, img.height];
  if (![x, y, w, h].every(Number.isInteger) || x < 0 || y < 0 || w < 1 || h < 1 || x + w > img.width || y + h > img.height) {
    throw new UserError('bad-region', `region ${x},${y},${w},${h} is not inside the ${img.width}x${img.height} image`, 'Give whole pixels x,y,w,h with the rectangle inside the image.');
  }
  return cropImage(img, x, y, w, h);
}

/** the patch divided by its large-scale light, so shading does not pass for a repeat */
function flattened(patch: RgbImage): RgbImage {
  const light = gaussianFilter(lumaOf(patch), patch.width, patch.height, Math.max(4, Math.min(patch.width, patch.height) / 8), 3);
  const planes = patch.planes.map((p) => p.map((v, i) => v / Math.max(1e-3, light[i]!))) as RgbImage['planes'];
  return { width: patch.width, height: patch.height, planes };
}

function needTwoRepeats(axis: 'x' | 'y', period: number, extent: number): void {
  if (period * 1.5 > extent) {
    throw new UserError('patch-too-small', `the repeat along ${axis} (${period} px) fits less than 1.5 times in the ${extent} px patch`, 'Mark a patch holding at least one and a half repeats, or give the repeat with --tile WxH.');
  }
}

/**
 * A tileable swatch from a marked patch of a garment picture: rectify, find the repeat
 * (autocorrelation, or the given tile), fold the repeats into one while dividing out the
 * shading, cut the seam where neighbours match best, resample to the requested size.
 */
export function extractSwatch(img: RgbImage, req: SwatchRequest = {}): Swatch {
  const patch = markedPatch(img, req);
  let estimates: [PeriodEstimate, PeriodEstimate] | undefined;
  let repeat: Repeat;
  if (req.tile) {
    repeat = { periodX: req.tile[0], periodY: req.tile[1] };
  } else {
    const flat = flattened(patch);
    estimates = [estimatePeriod(flat, 'x'), estimatePeriod(flat, 'y')];
    repeat = { periodX: estimates[0].period, periodY: estimates[1].period };
  }
  needTwoRepeats('x', repeat.periodX, patch.width);
  needTwoRepeats('y', repeat.periodY, patch.height);
  const { tile: folded } = removeShading(patch, repeat);
  const { tile } = cutAtCalmestSeam(folded);
  let image = tile;
  if (req.size) {
    const long = Math.max(repeat.periodX, repeat.periodY);
    const w = Math.max(1, Math.round((req.size * repeat.periodX) / long));
    const h = Math.max(1, Math.round((req.size * repeat.periodY) / long));
    image = resampleWrapped(tile, w, h);
  }
  return {
    image,
    tile,
    repeat,
    confidence: { x: estimates ? estimates[0].confidence : null, y: estimates ? estimates[1].confidence : null },
    patch: { width: patch.width, height: patch.height },
  };
}
