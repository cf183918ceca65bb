import type { PairMetricsRecord } from '../../preload/api/metrics-types';
import { UserError } from '../common/errors';
import { ciede2000, srgbToLab } from './colour';
import { crop, GABOR_WAVELENGTHS, gaborMagnitudes, gaborRadius, maskBox } from './gabor';
import { gaussianFilter, reflectIndex } from './gaussian';
import type { Mask, RgbImage } from './image';
import { assertSameSize, luma } from './image';

/**
 * How much of the source's texture and colour an output kept inside a mask.
 *
 * - `laplacian_correlation`: Pearson correlation of the Laplacian of luma (scipy.ndimage.laplace,
 *   reflect borders) of source and output: fine detail in the same place with the same sign.
 * - `energy_correlation`: correlation of the local high-frequency energy, the squared Laplacian
 *   smoothed by a gaussian of sigma 2: texture where texture was, even if shifted by a pixel.
 * - `energy_ratio`: output energy / source energy; under 1 means detail was smoothed away.
 * - `mean_delta_e00`: mean per-pixel CIEDE2000 between source and output (sRGB D65 -> Lab).
 * - `mean_colour_delta_e00`: CIEDE2000 between the mean Lab colours: the overall colour shift.
 * - with `{ gabor: true }`, `gabor_correlation`: mean over a Gabor bank (gabor.ts: 4 and 8 px,
 *   4 orientations) of the correlation of response magnitudes, and `gabor_energy_ratio`:
 *   output / source response energy summed over the bank. Costlier, so only on request.
 * Correlations are null where a side has no variation inside the mask (undefined there).
 */
export interface TextureReport extends Pick<PairMetricsRecord, TextureKey>, Partial<GaborReport> {
  mask_pixels: number;
}

type TextureKey = 'laplacian_correlation' | 'energy_correlation' | 'energy_ratio' | 'mean_delta_e00' | 'mean_colour_delta_e00';

export interface GaborReport {
  gabor_correlation: number | null;
  gabor_energy_ratio: number | null;
}

/** Gabor-bank texture agreement of two luma planes inside the mask (computed on the mask's box) */
export function gaborTexture(lumaS: Float64Array, lumaO: Float64Array, width: number, mask: Uint8Array): GaborReport {
  const height = lumaS.length / width;
  const margin = Math.max(...GABOR_WAVELENGTHS.map(gaborRadius));
  const box = maskBox(mask, width, height, margin);
  if (!box) return { gabor_correlation: null, gabor_energy_ratio: null };
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const s = crop(lumaS, width, box);
  const o = crop(lumaO, width, box);
  const m = Uint8Array.from(crop(mask, width, box));
  const correlations: number[] = [];
  let energyS = 0;
  let energyO = 0;
  for (const wavelength of GABOR_WAVELENGTHS) {
    const source = gaborMagnitudes(s, w, h, wavelength);
    const output = gaborMagnitudes(o, w, h, wavelength);
    source.forEach((ms, f) => {
      const mo = output[f];
      const c = maskedCorrelation(ms, mo, m);
      if (c !== null) correlations.push(c);
      for (let i = 0; i < m.length; i++) {
        if (!m[i]) continue;
        energyS += ms[i] * ms[i];
        energyO += mo[i] * mo[i];
      }
    });
  }
  return {
    gabor_correlation: correlations.length ? correlations.reduce((a, b) => a + b, 0) / correlations.length : null,
    gabor_energy_ratio: energyS > 0 ? energyO / energyS : null,
  };
}

export const ENERGY_SIGMA = 2;

/** scipy.ndimage.laplace: [1, -2, 1] along each axis, summed, reflect borders */
export function laplacian(plane: Float64Array, width: number, height: number): Float64Array {
  const out = new Float64Array(plane.length);
  for (let y = 0; y < height; y++) {
    const up = reflectIndex(y - 1, height) * width;
    const down = reflectIndex(y + 1, height) * width;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const c = plane[row + x];
      const left = plane[row + reflectIndex(x - 1, width)];
      const right = plane[row + reflectIndex(x + 1, width)];
      out[row + x] = left - 2 * c + right + (plane[up + x] - 2 * c + plane[down + x]);
    }
  }
  return out;
}

/** local high-frequency energy: gaussian(sigma) of the squared Laplacian */
export function highFrequencyEnergy(plane: Float64Array, width: number, height: number, sigma = ENERGY_SIGMA): Float64Array {
  const lap = laplacian(plane, width, height);
  for (let i = 0; i < lap.length; i++) lap[i] *= lap[i];
  return gaussianFilter(lap, width, height, sigma, 4);
}

/** Pearson correlation of a and b over the pixels where `mask` is set (null when undefined) */
export function maskedCorrelation(a: Float64Array, b: Float64Array, mask: Uint8Array): number | null {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!mask[i]) continue;
    n++;
    sa += a[i];
    sb += b[i];
  }
  if (n < 2) return null;
  const ma = sa / n;
  const mb = sb / n;
  let cab = 0;
  let caa = 0;
  let cbb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!mask[i]) continue;
    const da = a[i] - ma;
    const db = b[i] - mb;
    cab += da * db;
    caa += da * da;
    cbb += db * db;
  }
  if (caa === 0 || cbb === 0) return null;
  return cab / Math.sqrt(caa * cbb);
}

function fullMask(width: number, height: number): Mask {
  return { width, height, data: new Uint8Array(width * height).fill(1) };
}

/** texture and colour preservation of `output` against `source` inside `mask` (whole image without one) */
export function textureReport(
  source: RgbImage,
  output: RgbImage,
  mask?: Mask,
  names: [string, string, string] = ['source', 'output', 'mask'],
  opts: { gabor?: boolean } = {},
): TextureReport {
  assertSameSize(source, output, names[0], names[1]);
  if (mask) assertSameSize(source, mask, names[0], names[2]);
  const { width, height } = source;
  const m = (mask ?? fullMask(width, height)).data;
  let pixels = 0;
  for (let i = 0; i < m.length; i++) pixels += m[i] ? 1 : 0;
  if (pixels === 0) throw new UserError('empty-mask', `the ${names[2]} selects no pixels`, 'Paint the region to measure in white (or opaque) on the mask.');

  const ys = luma(source);
  const yo = luma(output);
  const lapS = laplacian(ys, width, height);
  const lapO = laplacian(yo, width, height);
  const energyS = highFrequencyEnergy(ys, width, height);
  const energyO = highFrequencyEnergy(yo, width, height);
  let sumS = 0;
  let sumO = 0;
  let deltaE = 0;
  const meanS = [0, 0, 0];
  const meanO = [0, 0, 0];
  const [rs, gs, bs] = source.planes;
  const [ro, go, bo] = output.planes;
  for (let i = 0; i < m.length; i++) {
    if (!m[i]) continue;
    sumS += energyS[i];
    sumO += energyO[i];
    const labS = srgbToLab(rs[i], gs[i], bs[i]);
    const labO = srgbToLab(ro[i], go[i], bo[i]);
    deltaE += ciede2000(labS, labO);
    for (let c = 0; c < 3; c++) {
      meanS[c] += labS[c];
      meanO[c] += labO[c];
    }
  }
  const report: TextureReport = {
    mask_pixels: pixels,
    laplacian_correlation: maskedCorrelation(lapS, lapO, m),
    energy_correlation: maskedCorrelation(energyS, energyO, m),
    energy_ratio: sumS > 0 ? sumO / sumS : null,
    mean_delta_e00: deltaE / pixels,
    mean_colour_delta_e00: ciede2000(
      meanS.map((v) => v / pixels),
      meanO.map((v) => v / pixels),
    ),
  };
  if (opts.gabor) Object.assign(report, gaborTexture(ys, yo, width, m));
  return report;
}
