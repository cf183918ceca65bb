import { describe, expect, it } from 'vitest';
import { alignPhase, compareTiles } from '../../../main/swatch/compare';
import { extractSwatch } from '../../../main/swatch/extract';
import { estimatePeriod } from '../../../main/swatch/period';
import { cropImage, tileOut } from '../../../main/swatch/planes';
import { applyHomography, rectifyQuad, unitSquareToQuad } from '../../../main/swatch/rectify';
import type { Point } from '../../../main/swatch/rectify';
import { resampleWrapped, seamReport } from '../../../main/swatch/seamless';
import { periodicTexture } from './synthetic';

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

describe('the repeat of a texture', () => {
  it('recovers whole-pixel periods exactly on each axis, under shading and noise', () => {
    const img = periodicTexture(220, 190, 24, 31, { shading: true });
    expect(estimatePeriod(img, 'x').period).toBe(24);
    expect(estimatePeriod(img, 'y').period).toBe(31);
    const sw = extractSwatch(img);
    expect(sw.repeat).toEqual({ periodX: 24, periodY: 31 });
    expect(sw.confidence.x).toBeGreaterThan(0.8);
    expect(sw.confidence.y).toBeGreaterThan(0.8);
  });

  it('recovers a fractional period (a knit row of 6.75 px) to 0.05 px, not its whole-pixel multiple 27', () => {
    const img = periodicTexture(180, 200, 9, 6.75, { noise: 0.02, smooth: true });
    const y = estimatePeriod(img, 'y');
    expect(Math.abs(y.period - 6.75)).toBeLessThanOrEqual(0.05);
  });

  it('has a low confidence on noise without a repeat', () => {
    const img = periodicTexture(160, 160, 1, 1, { noise: 1.6 });
    expect(estimatePeriod(img, 'x').confidence).toBeLessThan(0.2);
  });
});

describe('swatch extraction', () => {
  it('gives back the true tile of a shaded picture (phase-aligned SSIM > 0.95) and a seamless one', () => {
    const px = 20;
    const py = 16;
    const img = periodicTexture(240, 200, px, py, { shading: true });
    const truth = periodicTexture(px, py, px, py, { noise: 0 });
    const sw = extractSwatch(img, { region: [10, 10, 200, 170] });
    expect([sw.tile.width, sw.tile.height]).toEqual([px, py]);
    expect(compareTiles(sw.tile, truth).ssim).toBeGreaterThan(0.95);
    // the seam test: across each pair of opposite edges the tile changes no more than between neighbouring columns (rows) inside it
    for (const axis of ['x', 'y'] as const) {
      const seam = seamReport(sw.tile, axis);
      expect(seam.edges).toBeLessThanOrEqual(mean(seam.inside));
    }
  });

  it('stays seamless when resampled to another size', () => {
    const img = periodicTexture(240, 200, 20, 16);
    const sw = extractSwatch(img, { size: 100 });
    expect([sw.image.width, sw.image.height]).toEqual([100, 80]);
    for (const axis of ['x', 'y'] as const) {
      const seam = seamReport(sw.image, axis);
      expect(seam.edges).toBeLessThanOrEqual(mean(seam.inside));
    }
  });

  it('takes the repeat from --tile instead of estimating it', () => {
    const sw = extractSwatch(periodicTexture(120, 120, 20, 16), { tile: [40, 32] });
    expect(sw.repeat).toEqual({ periodX: 40, periodY: 32 });
    expect(sw.confidence).toEqual({ x: null, y: null });
  });

  it('refuses a patch that holds less than one and a half repeats, and a region outside the image', () => {
    expect(() => extractSwatch(periodicTexture(60, 60, 20, 20), { tile: [50, 20] })).toThrow(/fits less than 1.5 times/);
    expect(() => extractSwatch(periodicTexture(60, 60, 20, 20), { region: [30, 30, 40, 10] })).toThrow(/not inside the 60x60 image/);
  });
});

describe('rectification', () => {
  it('maps the unit square onto the quad corners', () => {
    const quad: [Point, Point, Point, Point] = [[10, 12], [90, 5], [100, 80], [4, 70]];
    const h = unitSquareToQuad(quad);
    const corners: Point[] = [[0, 0], [1, 0], [1, 1], [0, 1]];
    corners.forEach(([u, v], i) => {
      const [x, y] = applyHomography(h, u, v);
      expect(x).toBeCloseTo(quad[i]![0], 9);
      expect(y).toBeCloseTo(quad[i]![1], 9);
    });
  });

  it('equals a crop for an axis-aligned quad', () => {
    const img = periodicTexture(64, 48, 10, 8);
    const flat = rectifyQuad(img, [[8, 6], [40, 6], [40, 30], [8, 30]]);
    const crop = cropImage(img, 8, 6, 32, 24);
    for (let c = 0; c < 3; c++) for (let i = 0; i < crop.planes[c].length; i++) expect(flat.planes[c][i]).toBeCloseTo(crop.planes[c][i]!, 9);
  });

  it('undoes a perspective warp: the repeat of the rectified patch is the flat one', () => {
    // the flat texture seen through a known homography; rectifying the same quad gives it back
    const flatW = 240;
    const flatH = 200;
    const flat = periodicTexture(flatW, flatH, 24, 20, { noise: 0 });
    const quad: [Point, Point, Point, Point] = [[30, 20], [250, 40], [240, 230], [40, 200]];
    const h = unitSquareToQuad(quad);
    // invert by sampling: each picture pixel takes the flat pixel its quad coordinates name
    const pic = periodicTexture(280, 250, 1, 1, { noise: 0 });
    const inv = (x: number, y: number): Point => {
      // Newton steps on the homography, from the centre
      let u = 0.5;
      let v = 0.5;
      for (let k = 0; k < 30; k++) {
        const [fx, fy] = applyHomography(h, u, v);
        const [ax, ay] = applyHomography(h, u + 1e-6, v);
        const [bx, by] = applyHomography(h, u, v + 1e-6);
        const j = [(ax - fx) / 1e-6, (bx - fx) / 1e-6, (ay - fy) / 1e-6, (by - fy) / 1e-6];
        const det = j[0]! * j[3]! - j[1]! * j[2]!;
        const ex = x - fx;
        const ey = y - fy;
        u += (j[3]! * ex - j[1]! * ey) / det;
        v += (-j[2]! * ex + j[0]! * ey) / det;
      }
      return [u, v];
    };
    for (let y = 0; y < pic.height; y++) {
      for (let x = 0; x < pic.width; x++) {
        const [u, v] = inv(x + 0.5, y + 0.5);
        const fx = Math.min(flatW - 1, Math.max(0, Math.floor(u * flatW)));
        const fy = Math.min(flatH - 1, Math.max(0, Math.floor(v * flatH)));
        for (let c = 0; c < 3; c++) pic.planes[c][y * pic.width + x] = flat.planes[c][fy * flatW + fx]!;
      }
    }
    const rectified = rectifyQuad(pic, quad);
    const sw = extractSwatch(rectified, { tile: undefined });
    // the rectified patch is ~224x214 px for a 240x200 flat: the repeat scales by the same factor
    expect(sw.repeat.periodX).toBeCloseTo((24 * rectified.width) / flatW, 0);
    expect(sw.repeat.periodY).toBeCloseTo((20 * rectified.height) / flatH, 0);
  });
});

describe('tile comparison', () => {
  it('finds a circular shift by cross-correlation and scores the aligned copy 1', () => {
    const tile = periodicTexture(18, 14, 18, 14, { noise: 0.1 });
    const shifted = tileOut(tile, 18, 14, 5, 3);
    expect(alignPhase(shifted, tile)).toEqual([13, 11]);
    expect(compareTiles(shifted, tile).ssim).toBeCloseTo(1, 9);
  });

  it('resamples with wrap-around: twice up and back down is close to the original', () => {
    const tile = periodicTexture(16, 12, 16, 12, { noise: 0 });
    const back = resampleWrapped(resampleWrapped(tile, 32, 24), 16, 12);
    expect(compareTiles(back, tile).ssim).toBeGreaterThan(0.6);
  });
});

describe('a large patch', () => {
  it('is measured on a subset of lines, still to the exact repeat, in reasonable time', () => {
    const img = periodicTexture(1200, 900, 14, 33, { shading: true });
    const t0 = performance.now();
    expect(estimatePeriod(img, 'x').period).toBe(14);
    expect(estimatePeriod(img, 'y').period).toBe(33);
    expect(performance.now() - t0).toBeLessThan(8000);
  });
});
