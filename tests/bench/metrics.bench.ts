import { compareSsim } from '../../main/metrics/compare';
import type { RgbImage } from '../../main/metrics/image';
import { ssimMap } from '../../main/metrics/ssim';

function noiseImage(width: number, height: number, seed: number): RgbImage {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const plane = () => Float64Array.from({ length: width * height }, () => Math.floor(next() * 256));
  return { width, height, planes: [plane(), plane(), plane()] };
}

function best(fn: () => void, repeats: number): number {
  let min = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

/** SSIM speed on a 1024x1024 RGB pair: best of 5 after a warm-up run */
export async function run(): Promise<Record<string, unknown>> {
  const a = noiseImage(1024, 1024, 1);
  const b = noiseImage(1024, 1024, 2);
  compareSsim(a, b);
  const full = best(() => compareSsim(a, b), 5);
  const onePlane = best(() => ssimMap(a.planes[0], b.planes[0], 1024, 1024), 5);
  return {
    ssim_rgb_plus_luma_1024_ms: Math.round(full * 10) / 10,
    ssim_one_plane_1024_ms: Math.round(onePlane * 10) / 10,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await run());
