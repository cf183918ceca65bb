/**
 * ONNX toolkit benchmark: time and peak memory to inspect and to adapt an SD 1.5-sized model
 * (fp32 UNet of 3.4 GB in external data), built first into a temporary folder with seeded
 * weights. Each step runs in its own Node process so its peak RSS is measured alone.
 * Not part of CI: it writes about 9 GB and takes a few minutes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import { inspectModelFolder } from '../../main/inference/models/inspect';
import { adaptModelFolder } from '../../main/inference/models/adapt-folder';

const self = fileURLToPath(import.meta.url);

/** runs one measured step in a fresh process (this file with `--step`) */
function step(...args: string[]): { ms: number; maxRssMiB: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--step', ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as { ms: number; maxRssMiB: number };
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'r2r-bench-onnx-'));
  try {
    const src = join(dir, 'sd15');
    let t0 = performance.now();
    const built = writeDemoModel(src, { size: 'sd15', seed: 0 });
    const buildMs = performance.now() - t0;
    const unet = built.components.find((c) => c.name === 'unet')!;
    const modelBytes = built.components.reduce((n, c) => n + c.bytes, 0);

    const inspect = step('inspect', src);
    t0 = performance.now();
    const adapt = step('adapt', src, join(dir, 'adapted'));
    const adaptWallMs = performance.now() - t0;
    const adaptedUnetBytes = statSync(join(dir, 'adapted', 'unet', 'model.onnx_data')).size + statSync(join(dir, 'adapted', 'unet', 'model.onnx')).size;
    return {
      model: 'sd15 demo (fp32, UNet in external data)',
      unetParameters: unet.parameters,
      modelGiB: modelBytes / 2 ** 30,
      unetGiB: unet.bytes / 2 ** 30,
      buildSeconds: buildMs / 1000,
      inspectMs: inspect.ms,
      inspectPeakRssMiB: inspect.maxRssMiB,
      adaptSeconds: adapt.ms / 1000,
      adaptWallSeconds: adaptWallMs / 1000,
      adaptPeakRssMiB: adapt.maxRssMiB,
      adaptThroughputMiBs: (adaptedUnetBytes + built.components.find((c) => c.name === 'text_encoder')!.bytes) / 2 ** 20 / (adapt.ms / 1000),
      peakRssOverUnetSize: (adapt.maxRssMiB * 2 ** 20) / unet.bytes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measuredStep(what: string, src: string, out?: string): void {
  const t0 = performance.now();
  if (what === 'inspect') inspectModelFolder(src);
  else if (what === 'adapt') adaptModelFolder(src, out!);
  else throw new Error(`unknown step ${what}`);
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

if (process.argv[1] && self === process.argv[1]) {
  if (process.argv[2] === '--step') measuredStep(process.argv[3]!, process.argv[4]!, process.argv[5]);
  else run().then((r) => console.log(JSON.stringify(r, null, 2)));
}
