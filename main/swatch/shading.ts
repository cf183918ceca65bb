import { gaussianFilter } from '../metrics/gaussian';
import { foldRepeats, unfoldTile } from './fold';
import type { Repeat } from './fold';
import { lumaOf } from './planes';
import type { RgbImage } from './planes';

export interface ShadingResult {
  /** one repeat with the shading divided out */
  tile: RgbImage;
  /** the illumination (one grey factor per source pixel, mean 1): dividing by it keeps the colour */
  illumination: Float64Array;
}

function normaliseMean(plane: Float64Array): Float64Array {
  let sum = 0;
  for (const v of plane) sum += v;
  const mean = sum / plane.length || 1;
  for (let i = 0; i < plane.length; i++) plane[i] = Math.max(1e-3, plane[i]! / mean);
  return plane;
}

/**
 * Separates the picture into a periodic cloth and a grey illumination, I = L * T(phase).
 * Start: L is the luma blurred over a whole repeat (the large-scale light). Then, a few
 * times: T is the mean of the repeats of I / L, and L the local least-squares factor that
 * best scales T(phase) onto I, Gaussian-weighted with `detailSigma` px. The second step
 * follows folds narrower than a repeat, which a blur large enough to hide the pattern
 * cannot.
 */
export function removeShading(img: RgbImage, repeat: Repeat, opts: { iterations?: number; detailSigma?: number } = {}): ShadingResult {
  const { width, height } = img;
  const big = Math.max(2, Math.max(repeat.periodX, repeat.periodY));
  let illumination = normaliseMean(gaussianFilter(lumaOf(img), width, height, big, 3));
  let tile = foldRepeats(img, repeat, illumination);
  const sigma = opts.detailSigma ?? 4;
  for (let it = 0; it < (opts.iterations ?? 4); it++) {
    const pattern = unfoldTile(tile, width, height, repeat);
    const cross = new Float64Array(width * height);
    const energy = new Float64Array(width * height);
    for (let c = 0; c < 3; c++) {
      const ip = img.planes[c];
      const tp = pattern.planes[c];
      for (let i = 0; i < cross.length; i++) {
        cross[i]! += ip[i]! * tp[i]!;
        energy[i]! += tp[i]! * tp[i]!;
      }
    }
    const num = gaussianFilter(cross, width, height, sigma, 3);
    const den = gaussianFilter(energy, width, height, sigma, 3);
    for (let i = 0; i < num.length; i++) num[i] = den[i]! > 0 ? num[i]! / den[i]! : 1;
    illumination = normaliseMean(num);
    tile = foldRepeats(img, repeat, illumination);
  }
  return { tile, illumination };
}
