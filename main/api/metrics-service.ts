import type { MetricsService } from '../../preload/api/contract';
import type { PairMetricsRecord, PairRequest } from '../../preload/api/metrics-types';
import { assetFile, getAsset, getMask, type Library } from '../catalog/index';
import { UserError } from '../common/errors';
import type { PairFiles, PairMetrics } from '../metrics/measure-pair';
import type { LibraryHolder } from './library-service';

const CACHE_MAX = 64;

/** measures a pair of files: the backend hands this to its job worker (main/jobs/kinds/measure-pair-job.ts) */
export type MeasurePair = (files: PairFiles) => Promise<PairMetrics>;

function knownAsset(lib: Library, hash: string, which: 'A' | 'B') {
  const asset = getAsset(lib, hash);
  if (!asset) throw new UserError('asset-unknown', `image ${which} (${hash.slice(0, 12)}…) is not in the library at ${lib.root}`, 'Reload the garment: the image may have been removed.');
  return asset;
}

function sizeText(s: { width: number | null; height: number | null }): string {
  return `${s.width}x${s.height}`;
}

/**
 * Pair metrics of library images. Assets are content-addressed, so a result is keyed by the
 * two hashes and the mask's own hash and stays true until one of them changes; the cache keeps
 * the promise, so a second request for a pair still being measured waits for the same work.
 */
export function createMetricsService(holder: LibraryHolder, measure: MeasurePair): MetricsService {
  const cache = new Map<string, Promise<PairMetricsRecord>>();

  return {
    async comparePair(pair: PairRequest): Promise<PairMetricsRecord> {
      const lib = holder.require();
      const a = knownAsset(lib, pair.a, 'A');
      const b = knownAsset(lib, pair.b, 'B');
      if (a.width !== null && b.width !== null && (a.width !== b.width || a.height !== b.height)) {
        throw new UserError('size-mismatch', `A is ${sizeText(a)} but B is ${sizeText(b)}: the metrics compare images pixel by pixel`, 'Compare images of the same size (an output resized back to its render).');
      }
      let maskFile: string | undefined;
      let maskKey = '';
      if (pair.mask) {
        const m = getMask(lib, pair.mask.renderId, pair.mask.purpose);
        if (!m) throw new UserError('no-mask', `render #${pair.mask.renderId} has no ${pair.mask.purpose} mask`, 'Paint and save that mask in the shot editor, or measure without a mask.');
        const maskAsset = knownAsset(lib, m.asset, 'A');
        if (maskAsset.width !== null && a.width !== null && (maskAsset.width !== a.width || maskAsset.height !== a.height)) {
          throw new UserError('size-mismatch', `the ${pair.mask.purpose} mask is ${sizeText(maskAsset)} but the images are ${sizeText(a)}`, 'Use the mask of the render these images show.');
        }
        maskFile = assetFile(lib, m.asset, maskAsset.ext);
        maskKey = m.asset;
      }
      const key = `${a.hash}:${b.hash}:${maskKey}`;
      let result = cache.get(key);
      if (result) {
        // most recently used last, so the oldest entry is the one dropped
        cache.delete(key);
        cache.set(key, result);
        return result;
      }
      const files = { source: assetFile(lib, a.hash, a.ext), output: assetFile(lib, b.hash, b.ext), ...(maskFile ? { mask: maskFile } : {}) };
      result = measure(files).then((m): PairMetricsRecord => ({
        width: a.width ?? 0,
        height: a.height ?? 0,
        ssim_rgb: m.ssim_rgb,
        ssim_luma: m.ssim_luma,
        ...(m.masked_ssim_rgb !== undefined ? { masked_ssim_rgb: m.masked_ssim_rgb, masked_ssim_luma: m.masked_ssim_luma!, mask_pixels: m.mask_pixels! } : {}),
        laplacian_correlation: m.laplacian_correlation,
        energy_correlation: m.energy_correlation,
        energy_ratio: m.energy_ratio,
        mean_delta_e00: m.mean_delta_e00,
        mean_colour_delta_e00: m.mean_colour_delta_e00,
      }));
      cache.set(key, result);
      // a failure is not kept: the file may be fixed and asked for again
      result.catch(() => cache.delete(key));
      while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
      return result;
    },
  };
}
