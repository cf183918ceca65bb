import { describe, expect, it } from 'vitest';
import { ciede2000, srgbToLab } from '../../../main/metrics/colour';
import { reference } from './reference';

describe('CIEDE2000', () => {
  it('reproduces all 34 test pairs published by Sharma, Wu and Dalal (2005)', () => {
    expect(reference.ciede2000_sharma.length).toBe(34);
    for (const p of reference.ciede2000_sharma) {
      // the paper prints 4 decimals
      expect(Math.abs(ciede2000(p.lab1, p.lab2) - p.dE), `pair ${p.pair}`).toBeLessThan(5e-5);
    }
  });

  it('is symmetric and zero for equal colours', () => {
    for (const p of reference.ciede2000_sharma) {
      expect(ciede2000(p.lab2, p.lab1)).toBeCloseTo(ciede2000(p.lab1, p.lab2), 10);
      expect(ciede2000(p.lab1, p.lab1)).toBe(0);
    }
  });
});

describe('sRGB to Lab (D65), as skimage.color.rgb2lab', () => {
  it('matches skimage on primaries, greys and random colours', () => {
    for (const { rgb, lab } of reference.lab) {
      const got = srgbToLab(rgb[0], rgb[1], rgb[2]);
      got.forEach((v, i) => expect(Math.abs(v - lab[i]), `${rgb} channel ${i}`).toBeLessThan(1e-9));
    }
  });
});
