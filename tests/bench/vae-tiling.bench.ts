// How much VAE tiling changes a picture: the demo model's VAE (tiny, or SD 1.5 sized with
// R2R_BENCH_VAE_SIZE=sd15) encodes and decodes a 768x1024 render over the whole canvas and in
// 512 px tiles overlapping by 64 px (--vae-tiles 512), and the outputs are compared in 8-bit pixels.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { buildDemoComponent } from '../../main/inference/models/demo/demo-model';
import { saveModel } from '../../main/inference/onnx/write-model';
import { decodeLatent, encodeImage, vaeTilesFor, type Planar, type VaeModel } from '../../main/inference/pipelines/tiled';

async function vaeOf(dir: string, size: 'tiny' | 'sd15'): Promise<VaeModel> {
  const sessions: Record<string, ort.InferenceSession> = {};
  for (const name of ['vae_encoder', 'vae_decoder'] as const) {
    mkdirSync(join(dir, name), { recursive: true });
    saveModel(buildDemoComponent(name, { size, seed: 1 }), join(dir, name, 'model.onnx'), { externalData: 'auto' });
    sessions[name] = await ort.InferenceSession.create(join(dir, name, 'model.onnx'), { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  }
  const run = async (s: ort.InferenceSession, p: Planar): Promise<Planar> => {
    const out = (await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', p.data, [1, p.channels, p.height, p.width]) }))[s.outputNames[0]!]!;
    const [, c, h, w] = out.dims as number[];
    return { channels: c!, width: w!, height: h!, data: out.data as Float32Array };
  };
  return {
    vaeFactor: 8,
    // the latent mean: the first half of (mean | logvar)
    vaeEncode: async (p) => {
      const r = await run(sessions.vae_encoder!, p);
      const c = r.channels === 8 ? 4 : r.channels;
      return { ...r, channels: c, data: r.data.slice(0, c * r.width * r.height) };
    },
    vaeDecode: (p) => run(sessions.vae_decoder!, p),
  };
}

function render(width: number, height: number): Planar {
  const data = new Float32Array(3 * width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = y * width + x;
      data[o] = Math.sin(x / 9) * 0.8;
      data[width * height + o] = Math.cos(y / 13) * 0.8;
      data[2 * width * height + o] = (((x ^ y) & 255) / 127.5 - 1) * 0.9;
    }
  return { channels: 3, width, height, data };
}

/** [-1, 1] -> 8-bit as the pipeline writes it, then the largest and the mean difference */
function pixelDiff(a: Planar, b: Planar): { max: number; mean: number } {
  const px = (v: number) => Math.round(Math.min(1, Math.max(0, v / 2 + 0.5)) * 255);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(px(a.data[i]!) - px(b.data[i]!));
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: Number((sum / a.data.length).toFixed(4)) };
}

export async function run(): Promise<Record<string, unknown>> {
  const size = process.env.R2R_BENCH_VAE_SIZE === 'sd15' ? 'sd15' : 'tiny';
  const dir = mkdtempSync(join(tmpdir(), 'r2r-vae-tiles-'));
  try {
    const vae = await vaeOf(dir, size);
    const image = render(768, 1024);
    const tiles = vaeTilesFor(512);
    const t0 = performance.now();
    const latentWhole = await encodeImage(vae, image, null);
    const whole = await decodeLatent(vae, latentWhole, null);
    const t1 = performance.now();
    const latentTiled = await encodeImage(vae, image, tiles);
    const tiled = await decodeLatent(vae, latentTiled, tiles);
    const t2 = performance.now();
    // the decoder alone, from the same latent: how much of the change the decode's tiles make
    const decodeOnly = await decodeLatent(vae, latentWhole, tiles);
    let latentMax = 0;
    for (let i = 0; i < latentWhole.data.length; i++) latentMax = Math.max(latentMax, Math.abs(latentWhole.data[i]! - latentTiled.data[i]!));
    return {
      vae: size,
      canvas: '768x1024',
      tiles: tiles,
      max_pixel_diff_tiled_vs_whole: pixelDiff(tiled, whole).max,
      mean_pixel_diff_tiled_vs_whole: pixelDiff(tiled, whole).mean,
      max_pixel_diff_decode_tiles_only: pixelDiff(decodeOnly, whole).max,
      max_latent_diff_encode_tiles: Number(latentMax.toFixed(5)),
      whole_seconds: Number(((t1 - t0) / 1000).toFixed(2)),
      tiled_seconds: Number(((t2 - t1) / 1000).toFixed(2)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
