// images per second for 1,000 sample renders exported with the Amazon preset (decode, find the
// product, paint the backdrop, resize, pad, encode JPEG with ICC + XMP, atomic write, job log,
// report with thumbnails), end to end through runExportJob: one item at a time, two at once
// from this thread (sharp's threads), and two worker threads (the default).
// run: npx tsx tests/bench/export.bench.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { JOB_DIR_NAME, runExportJob } from '../../main/export/export-job';
import { JsonFileJobStore } from '../../main/export/json-job-store';
import type { ExportCandidate } from '../../main/export/plan';
import { loadPreset } from '../../main/export/presets';

const RENDERS = Number(process.env.R2R_BENCH_RENDERS ?? 1000);
const WIDTH = 768;
const HEIGHT = 1024;

/** a 768x1024 render: grey backdrop, a garment-like silhouette with a knit-like texture */
function samplePixels(seed: number): Buffer {
  const buf = Buffer.alloc(WIDTH * HEIGHT * 3);
  const cx = WIDTH / 2 + ((seed * 37) % 80) - 40;
  const halfW = 180 + (seed % 60);
  for (let y = 0; y < HEIGHT; y++) {
    // a torso that widens toward the hem, with sleeves in the upper third
    const t = (y - 120) / 800;
    const inBody = t >= 0 && t <= 1;
    const body = halfW * (0.8 + 0.3 * t);
    const sleeve = t > 0.02 && t < 0.35 ? body + 110 : body;
    for (let x = 0; x < WIDTH; x++) {
      const o = (y * WIDTH + x) * 3;
      if (inBody && Math.abs(x - cx) < sleeve) {
        const knit = ((x + seed) >> 2) % 2 ^ ((y >> 3) % 2);
        buf[o] = 40 + knit * 90 + ((x * y + seed) % 17);
        buf[o + 1] = 50 + ((seed * 13) % 120);
        buf[o + 2] = 140 - knit * 60;
      } else {
        buf[o] = buf[o + 1] = buf[o + 2] = 236;
      }
    }
  }
  return buf;
}

async function makeRenders(dir: string): Promise<ExportCandidate[]> {
  const out: ExportCandidate[] = [];
  const views = ['front', 'back', 'left', 'right'];
  for (let i = 0; i < RENDERS; i++) {
    const path = join(dir, `r${i}.png`);
    writeFileSync(path, await sharp(samplePixels(i), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer());
    out.push({ sku: `SKU${String(i >> 2).padStart(4, '0')}`, name: `g${i}`, category: 'sweater', colorway: 'c1', view: views[i % 4]!, kind: 'raytrace', sourcePath: path });
  }
  return out;
}

async function timeExport(candidates: ExportCandidate[], concurrency: number, threads: 'workers' | 'inline') {
  const out = mkdtempSync(join(tmpdir(), 'r2r-bench-out-'));
  const start = performance.now();
  const summary = await runExportJob({
    params: { library: 'bench', outDir: out, preset: 'amazon', presetSha256: 'bench', format: 'jpeg', source: 'raytrace', selection: {}, generate: 'none' },
    preset: loadPreset('amazon'),
    format: 'jpeg',
    store: new JsonFileJobStore(join(out, JOB_DIR_NAME)),
    candidates: () => candidates,
    creatorTool: 'bench',
    concurrency,
    threads,
  });
  const seconds = (performance.now() - start) / 1000;
  rmSync(out, { recursive: true, force: true });
  if (summary.done !== candidates.length) throw new Error(`bench export failed: ${summary.failed} failures`);
  return { seconds: Number(seconds.toFixed(2)), imagesPerSecond: Number((candidates.length / seconds).toFixed(2)) };
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'r2r-bench-renders-'));
  try {
    const candidates = await makeRenders(dir);
    const inline1 = await timeExport(candidates, 1, 'inline');
    const inline2 = await timeExport(candidates, 2, 'inline');
    const workers2 = await timeExport(candidates, 2, 'workers');
    return {
      renders: RENDERS,
      renderSize: `${WIDTH}x${HEIGHT}`,
      preset: 'amazon 2000x2000 JPEG q90',
      cores: availableParallelism(),
      sharpThreadsPerImage: sharp.concurrency(),
      imagesPerSecond: workers2.imagesPerSecond,
      runs: { inlineConcurrency1: inline1, inlineConcurrency2: inline2, workerThreads2: workers2 },
      speedupWorkers2VsInline1: Number((workers2.imagesPerSecond / inline1.imagesPerSecond).toFixed(2)),
      speedupWorkers2VsInline2: Number((workers2.imagesPerSecond / inline2.imagesPerSecond).toFixed(2)),
      loadAverageAfter: Number(loadavg()[0]!.toFixed(2)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await run(), null, 2));
}
