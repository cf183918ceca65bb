// `npm run bench:gpu`: one R2R shot on an NVIDIA GPU, for a machine that has one.
//
// Builds the sd15-shape fp16 demo model (seeded weights, the layout and size of SD 1.5), fuses
// its attention with `r2r models optimize` (MultiHeadAttention, the fast kernel), and runs one
// 768x1024 shot (50 steps at strength 0.3: 15 inversion + 15 generation steps, TAC on) on the
// CUDA provider, then on WebGPU where it starts. One warm-up shot first (kernel selection),
// then the timed shot without the shot cache. Prints seconds per shot, UNet sample-evaluations
// per second and effective TFLOP/s.
//
// FLOPs per sample-evaluation: tests/bench/unet-flops.ts counts 2 FLOPs per multiply-add of every
// Conv, Linear and attention product of the UNet from its architecture (checked against the tiny
// demo UNet's graph with onnxruntime's shapes in tests/unit/models/unet-flops.test.ts); at
// 768x1024 (latent 96x128) SD 1.5's UNet takes 3.14 TFLOP per sample. Effective TFLOP/s =
// sample-evaluations x that / seconds (of the shot, and of its UNet calls alone); the VAE and
// the text encoder are not counted, so the shot figure is a lower bound.
//
// Needs: Linux or Windows with an NVIDIA GPU and driver, `npm run setup:cuda` done (CUDA 12,
// cuDNN 9), about 8 GB of disk and 12 GB of memory. Exits 2 at once, saying why, without one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import { SD15_UNET } from '../../main/inference/models/demo/unet';
import { optimizeModelFolder } from '../../main/inference/models/optimize/optimize-folder';
import { readSourceImage } from '../../main/inference/image/source-image';
import { ddimSchedule } from '../../main/inference/pipelines/ddim-schedule';
import { loadR2RModel } from '../../main/inference/pipelines/load-r2r-model';
import { DEFAULT_R2R_PARAMS, runR2R, type R2RParams } from '../../main/inference/pipelines/r2r';
import { probeProvider } from '../../main/inference/runtime/providers';
import { unetFlopsPerSample } from './unet-flops';

const WIDTH = 768;
const HEIGHT = 1024;
const PARAMS: R2RParams = { ...DEFAULT_R2R_PARAMS, width: WIDTH, height: HEIGHT, steps: 50, strength: 0.3 };
const GOAL_H100_SECONDS = 1.2;

function fail(why: string, hint: string): never {
  console.error(`bench:gpu: ${why}\n  ${hint}`);
  process.exit(2);
}

/** the NVIDIA GPUs nvidia-smi lists, or why there are none */
function nvidiaGpus(): string[] {
  try {
    return execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10_000 }).split('\n').filter((l) => l.startsWith('GPU '));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    fail(
      e.code === 'ENOENT' ? 'no NVIDIA GPU here: nvidia-smi is not installed' : `no NVIDIA GPU here: nvidia-smi failed (${e.message.split('\n')[0]})`,
      'Run this on a machine with an NVIDIA GPU and its driver; `npm run bench` measures the CPU provider.',
    );
  }
}

async function main(): Promise<void> {
  if (process.platform !== 'linux' && process.platform !== 'win32') fail(`the CUDA provider does not exist on ${process.platform}`, 'Use Linux or Windows with an NVIDIA GPU.');
  const gpus = nvidiaGpus();
  if (gpus.length === 0) fail('nvidia-smi lists no GPU', 'Check the driver (`nvidia-smi`) and that the GPU is visible to this process.');
  const cuda = await probeProvider('cuda');
  if (!cuda.starts) fail(`the CUDA provider does not start: ${cuda.reason}`, 'Run `npm run setup:cuda` (CUDA 12 and cuDNN 9 libraries for onnxruntime-node), then `npx r2r info`.');
  const webgpu = await probeProvider('webgpu');
  console.log(`GPU: ${gpus.join('; ')}`);
  const flopsPerSample = unetFlopsPerSample(SD15_UNET, HEIGHT / 8, WIDTH / 8);
  console.log(`FLOPs per UNet sample-evaluation at ${WIDTH}x${HEIGHT}: ${(flopsPerSample / 1e12).toFixed(3)} T (2 per multiply-add of Conv, Linear, Q K^T and P V)`);

  const dir = mkdtempSync(join(tmpdir(), 'r2r-bench-gpu-'));
  try {
    const src = join(dir, 'sd15-fp16');
    const fused = join(dir, 'sd15-fp16-fused');
    let t0 = performance.now();
    writeDemoModel(src, { size: 'sd15', fp16: true, seed: 0 });
    const optimized = optimizeModelFolder(src, fused, { provider: 'cuda' });
    rmSync(src, { recursive: true, force: true });
    console.log(`built and fused the sd15-shape fp16 demo model in ${((performance.now() - t0) / 1000).toFixed(0)} s (${optimized.components.unet.fused.length} UNet attention layers fused)`);
    const render = join(dir, 'render.png');
    const raw = Buffer.alloc(WIDTH * HEIGHT * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) % 251;
    await sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png().toFile(render);
    mkdirSync(join(dir, 'out'));

    const results: Record<string, unknown>[] = [];
    for (const provider of ['cuda', ...(webgpu.starts ? ['webgpu'] : [])]) {
      t0 = performance.now();
      const loaded = await loadR2RModel(fused, { provider, cacheDir: join(dir, `cache-${provider}`) });
      const loadSeconds = (performance.now() - t0) / 1000;
      try {
        const shot = async () => {
          const source = await readSourceImage(render);
          return runR2R(loaded.model, ddimSchedule(loaded.scheduler, PARAMS.steps, PARAMS.strength), { source }, PARAMS, { outputPath: join(dir, 'out', `${provider}.png`) });
        };
        await shot();
        const res = await shot();
        const seconds = res.totalMs / 1000;
        const unetSeconds = res.unetCalls.reduce((n, c) => n + c.ms, 0) / 1000;
        const r = {
          provider: res.provider,
          secondsPerShot: Number(seconds.toFixed(3)),
          goalOnH100: `<= ${GOAL_H100_SECONDS} s`,
          inversionSteps: res.k,
          generationSteps: res.k,
          sampleEvaluations: res.sampleEvaluations,
          sampleEvaluationsPerSecond: Number((res.sampleEvaluations / seconds).toFixed(2)),
          unetSeconds: Number(unetSeconds.toFixed(3)),
          effectiveTflopsShot: Number(((res.sampleEvaluations * flopsPerSample) / seconds / 1e12).toFixed(1)),
          effectiveTflopsUnet: Number(((res.sampleEvaluations * flopsPerSample) / unetSeconds / 1e12).toFixed(1)),
          loadSeconds: Number(loadSeconds.toFixed(1)),
        };
        results.push(r);
        console.log(JSON.stringify(r));
      } finally {
        await loaded.model.dispose();
      }
    }
    if (!webgpu.starts) console.log(`webgpu: not run (${webgpu.reason})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
