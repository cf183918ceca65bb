import { compareSsim } from '../metrics/compare';
import { tileOut } from './planes';
import type { RgbImage } from './planes';
import { resampleWrapped } from './seamless';

/**
 * The circular shift (dx, dy) that best lines `tile` up with `reference` (same size): the
 * maximum of their circular cross-correlation, mean-removed, all channels pooled.
 */
export function alignPhase(tile: RgbImage, reference: RgbImage): [number, number] {
  const { width: w, height: h } = reference;
  const centred = (img: RgbImage) =>
    img.planes.map((p) => {
      const mean = p.reduce((s, v) => s + v, 0) / p.length;
      return p.map((v) => v - mean);
    });
  const a = centred(tile);
  const b = centred(reference);
  let best: [number, number] = [0, 0];
  let bestScore = -Infinity;
  for (let dy = 0; dy < h; dy++) {
    for (let dx = 0; dx < w; dx++) {
      let s = 0;
      for (let c = 0; c < 3; c++) {
        const pa = a[c]!;
        const pb = b[c]!;
        for (let y = 0; y < h; y++) {
          const ra = ((y + dy) % h) * w;
          const rb = y * w;
          for (let x = 0; x < w; x++) s += pa[ra + ((x + dx) % w)]! * pb[rb + x]!;
        }
      }
      if (s > bestScore) [bestScore, best] = [s, [dx, dy]];
    }
  }
  return best;
}

export interface TileComparison {
  /** skimage SSIM (RGB) of the two tiles, each repeated over the same field */
  ssim: number;
  /** the shift that aligned the extracted tile's phase with the reference */
  shift: [number, number];
}

/**
 * SSIM of an extracted tile against a reference tile: the tile is resampled to the
 * reference's size (wrapping) when its repeat came out different, its phase aligned by
 * circular cross-correlation, and both are repeated over a field of at least `field` px
 * so the 11 px SSIM window sees whole neighbourhoods, seams included.
 */
export function compareTiles(tile: RgbImage, reference: RgbImage, field = 96): TileComparison {
  const sized = tile.width === reference.width && tile.height === reference.height ? tile : resampleWrapped(tile, reference.width, reference.height);
  const shift = alignPhase(sized, reference);
  const fw = Math.max(field, reference.width * 2);
  const fh = Math.max(field, reference.height * 2);
  const report = compareSsim(tileOut(sized, fw, fh, shift[0], shift[1]), tileOut(reference, fw, fh));
  return { ssim: report.ssim_rgb, shift };
}
