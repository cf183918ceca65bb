import { hash2, valueNoise } from './random';

export type Rgb = [number, number, number];

/** a textile: the colour of the cloth at a point (pixels, garment space) */
export type Textile = (u: number, v: number) => Rgb;

export type TextileKind = 'knit' | 'denim' | 'plaid' | 'floral';

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const scale = (a: Rgb, k: number): Rgb => [a[0] * k, a[1] * k, a[2] * k];

/** stockinette knit: columns of V-shaped stitches, each leg a slanted loop of yarn */
export function knit(yarn: Rgb, seed: number, cell = 9): Textile {
  const rowH = cell * 0.75;
  return (u, v) => {
    const col = Math.floor(u / cell);
    const row = Math.floor(v / rowH);
    const x = (u / cell - col) * 2 - 1;
    const y = v / rowH - row;
    const leg = Math.abs(x) - 0.5 + (y - 0.5) * 0.7;
    const loop = Math.exp(-(leg * leg) / 0.06) * (1 - 0.35 * Math.abs(x));
    const fibre = 0.92 + 0.08 * hash2(Math.floor(u), Math.floor(v), seed);
    const heather = 0.9 + 0.2 * valueNoise(u, v, 23, seed);
    return scale(yarn, (0.45 + 0.55 * loop) * fibre * heather);
  };
}

/** 3/1 denim twill: indigo warp over white weft on a diagonal, with slub yarn streaks */
export function denim(indigo: Rgb, seed: number): Textile {
  const weft: Rgb = [214, 214, 220];
  return (u, v) => {
    const x = Math.floor(u / 1.5);
    const y = Math.floor(v / 1.5);
    const warpUp = (x + y) % 4 !== 0;
    const slub = 0.82 + 0.3 * valueNoise(u * 0.15, v * 3, 1, seed);
    const fade = 0.85 + 0.3 * valueNoise(u, v, 60, seed + 1);
    const base = warpUp ? scale(indigo, slub * fade) : mix(weft, indigo, 0.25);
    return scale(base, 0.9 + 0.1 * hash2(x, y, seed));
  };
}

/** tartan: a symmetric sett of stripes in warp and weft, woven 2/2 so the colours mix */
export function plaid(sett: Array<[Rgb, number]>, seed: number): Textile {
  const stripes = [...sett, ...[...sett].reverse()];
  const period = stripes.reduce((n, s) => n + s[1], 0);
  const colorAt = (p: number): Rgb => {
    let t = ((p % period) + period) % period;
    for (const [c, w] of stripes) {
      if (t < w) return c;
      t -= w;
    }
    return stripes[0]![0];
  };
  return (u, v) => {
    const x = Math.floor(u);
    const y = Math.floor(v);
    const warp = (x + y) % 4 < 2;
    const c = warp ? colorAt(x) : colorAt(y);
    return scale(c, 0.88 + 0.12 * hash2(x, y, seed));
  };
}

/** a printed floral: five-petal blossoms scattered on a jittered grid over a plain ground */
export function floral(ground: Rgb, petal: Rgb, heart: Rgb, seed: number, cell = 46): Textile {
  return (u, v) => {
    const cx = Math.floor(u / cell);
    const cy = Math.floor(v / cell);
    let out: Rgb = ground;
    for (let j = -1; j <= 1; j++) {
      for (let i = -1; i <= 1; i++) {
        const gx = cx + i;
        const gy = cy + j;
        const px = (gx + 0.2 + 0.6 * hash2(gx, gy, seed)) * cell;
        const py = (gy + 0.2 + 0.6 * hash2(gx, gy, seed + 7)) * cell;
        const radius = cell * (0.28 + 0.14 * hash2(gx, gy, seed + 13));
        const turn = hash2(gx, gy, seed + 21) * Math.PI * 2;
        const dx = u - px;
        const dy = v - py;
        const r = Math.hypot(dx, dy);
        if (r > radius) continue;
        const a = Math.atan2(dy, dx) + turn;
        const edge = radius * (0.5 + 0.5 * Math.abs(Math.cos(2.5 * a)));
        if (r < radius * 0.22) out = heart;
        else if (r < edge) out = mix(petal, scale(petal, 0.7), r / edge);
      }
    }
    return scale(out, 0.96 + 0.04 * hash2(Math.floor(u), Math.floor(v), seed));
  };
}

export interface ColorwaySpec {
  name: string;
  kind: TextileKind;
  make(seed: number): Textile;
  /** the textile's repeat in pixels (x, y), for the periodic ones (a scattered print has none) */
  repeat?: [number, number];
}

type Sett = Array<[Rgb, number]>;

/** a tartan repeats after its sett and the sett mirrored */
export const settPeriod = (sett: Sett): number => 2 * sett.reduce((n, s) => n + s[1], 0);

/** a stockinette knit of `cell` px wide stitches repeats every stitch across and every row (3/4 of a stitch) down */
export const knitRepeat = (cell = 9): [number, number] => [cell, cell * 0.75];

/** 3/1 twill on 1.5 px yarns: four yarns, 6 px, each way */
export const DENIM_REPEAT: [number, number] = [6, 6];

const ROYAL_STEWART: Sett = [[[176, 24, 36], 24], [[20, 30, 70], 6], [[176, 24, 36], 4], [[230, 210, 60], 2], [[16, 70, 40], 12], [[240, 240, 236], 2]];
const GREEN_TARTAN: Sett = [[[22, 74, 44], 20], [[18, 24, 60], 16], [[22, 74, 44], 4], [[18, 18, 20], 4], [[200, 40, 40], 2]];

export const COLORWAYS: ColorwaySpec[] = [
  { name: 'heather-grey-knit', kind: 'knit', make: (s) => knit([172, 170, 166], s), repeat: knitRepeat() },
  { name: 'burgundy-knit', kind: 'knit', make: (s) => knit([128, 28, 44], s), repeat: knitRepeat() },
  { name: 'indigo-denim', kind: 'denim', make: (s) => denim([38, 58, 112], s), repeat: DENIM_REPEAT },
  { name: 'black-denim', kind: 'denim', make: (s) => denim([40, 40, 46], s), repeat: DENIM_REPEAT },
  { name: 'royal-stewart-plaid', kind: 'plaid', make: (s) => plaid(ROYAL_STEWART, s), repeat: [settPeriod(ROYAL_STEWART), settPeriod(ROYAL_STEWART)] },
  { name: 'green-tartan', kind: 'plaid', make: (s) => plaid(GREEN_TARTAN, s), repeat: [settPeriod(GREEN_TARTAN), settPeriod(GREEN_TARTAN)] },
  { name: 'cream-rose-floral', kind: 'floral', make: (s) => floral([238, 228, 206], [214, 96, 120], [240, 196, 70], s) },
  { name: 'navy-daisy-floral', kind: 'floral', make: (s) => floral([26, 34, 70], [240, 240, 236], [236, 190, 60], s, 34) },
];
