import { UserError } from '../common/errors';
import { blankImage, sampleBilinear } from './planes';
import type { RgbImage } from './planes';

export type Point = [number, number];
/** a 3x3 matrix, row-major */
export type Homography = number[];

/** solves A x = b (n x n, Gaussian elimination with partial pivoting); undefined when singular */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12) return undefined;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let k = col; k <= n; k++) m[r]![k]! -= f * m[col]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/**
 * The homography that maps the unit square's corners (0,0), (1,0), (1,1), (0,1) onto `quad`
 * (top-left, top-right, bottom-right, bottom-left), from the eight equations of the four
 * correspondences with h33 = 1.
 */
export function unitSquareToQuad(quad: [Point, Point, Point, Point]): Homography {
  const corners: Point[] = [[0, 0], [1, 0], [1, 1], [0, 1]];
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [u, v] = corners[i]!;
    const [x, y] = quad[i]!;
    a.push([u, v, 1, 0, 0, 0, -u * x, -v * x]);
    b.push(x);
    a.push([0, 0, 0, u, v, 1, -u * y, -v * y]);
    b.push(y);
  }
  const h = solve(a, b);
  if (!h) throw new UserError('bad-quad', 'the four corners do not span an area (three of them are on one line)', 'Mark four corners of the patch in order: top-left, top-right, bottom-right, bottom-left.');
  return [...h, 1];
}

export function applyHomography(h: Homography, u: number, v: number): Point {
  const w = h[6]! * u + h[7]! * v + h[8]!;
  return [(h[0]! * u + h[1]! * v + h[2]!) / w, (h[3]! * u + h[4]! * v + h[5]!) / w];
}

const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/**
 * The patch inside `quad` resampled onto a flat rectangle (bilinear). Its size keeps the
 * longer of each pair of opposite edges, so no detail of the nearer side is lost.
 */
export function rectifyQuad(img: RgbImage, quad: [Point, Point, Point, Point]): RgbImage {
  const [tl, tr, br, bl] = quad;
  const width = Math.round(Math.max(dist(tl, tr), dist(bl, br)));
  const height = Math.round(Math.max(dist(tl, bl), dist(tr, br)));
  if (width < 2 || height < 2) throw new UserError('bad-quad', `the marked patch is ${width}x${height} px, too small to hold a repeat`, 'Mark a larger patch of the fabric.');
  const h = unitSquareToQuad(quad);
  const out = blankImage(width, height);
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      // corners of the quad are pixel edges; the image's pixel centres sit at +0.5
      const [x, y] = applyHomography(h, (i + 0.5) / width, (j + 0.5) / height);
      for (let c = 0; c < 3; c++) out.planes[c][j * width + i] = sampleBilinear(img.planes[c], img.width, img.height, x - 0.5, y - 0.5);
    }
  }
  return out;
}
