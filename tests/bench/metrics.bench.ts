import { compareSsim } from '../../main/metrics/compare';
import type { RgbImage } from '../../main/metrics/image';
import { gaussianFilter } from '../../main/metrics/gaussian';
import { ssimMap } from '../../main/metrics/ssim';
import { textureReport } from '../../main/metrics/texture';
import { seededRandom } from '../../main/common/seeded-random';

function noiseImage(width: number, height: number, seed: number): RgbImage {
  const next = seededRandom(seed);
  const plane = () => Float64Array.from({ length: width * height }, () => Math.floor(next() * 256));
  return { width, height, planes: [plane(), plane(), plane()] };
}

/** the textbook way: five full gaussian_filter calls (x, y, x^2, y^2, xy), then the formula */
function naiveSsimMap(x: Float64Array, y: Float64Array, w: number, h: number): Float64Array {
  const f = (p: Float64Array) => gaussianFilter(p, w, h, 1.5, 3.5);
  const mul = (p: Float64Array, q: Float64Array) => p.map((v, i) => v * q[i]);
  const [mx, my, sxx, syy, sxy] = [f(x), f(y), f(mul(x, x)), f(mul(y, y)), f(mul(x, y))];
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  return mx.map((ux, i) => {
    const uy = my[i];
    return ((2 * ux * uy + c1) * (2 * (sxy[i] - ux * uy) + c2)) / ((ux * ux + uy * uy + c1) * (sxx[i] - ux * ux + syy[i] - uy * uy + c2));
  });
}

/** best wall-clock and best on-CPU time (user + system) of `repeats` runs, in ms */
function best(fn: () => void, repeats: number): { wall: number; cpu: number } {
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall = Math.min(wall, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  return { wall, cpu };
}

/** SSIM and texture-report speed on a 1024x1024 RGB pair: best of N after a warm-up run */
export async function run(): Promise<Record<string, unknown>> {
  const a = noiseImage(1024, 1024, 1);
  const b = noiseImage(1024, 1024, 2);
  compareSsim(a, b);
  const full = best(() => compareSsim(a, b), 5);
  const onePlane = best(() => ssimMap(a.planes[0], b.planes[0], 1024, 1024), 5);
  const rgbOnly = best(() => {
    for (let c = 0; c < 3; c++) ssimMap(a.planes[c], b.planes[c], 1024, 1024);
  }, 5);
  textureReport(a, b);
  const texture = best(() => textureReport(a, b), 3);
  const gabor = best(() => textureReport(a, b, undefined, undefined, { gabor: true }), 1);
  const naive = best(() => naiveSsimMap(a.planes[0], b.planes[0], 1024, 1024), 3);
  const ms = (v: { wall: number; cpu: number }) => ({ wall: Math.round(v.wall * 10) / 10, cpu: Math.round(v.cpu * 10) / 10 });
  // on a shared machine the CPU time is the steadier number; wall time is what a user waits
  return {
    ssim_rgb_1024_ms: ms(rgbOnly),
    ssim_rgb_plus_luma_1024_ms: ms(full),
    ssim_one_plane_1024_ms: ms(onePlane),
    ssim_fused_speedup_vs_five_gaussian_filters: Math.round((naive.cpu / onePlane.cpu) * 100) / 100,
    texture_laplacian_colour_1024_ms: ms(texture),
    texture_with_gabor_bank_1024_ms: ms(gabor),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await run());
