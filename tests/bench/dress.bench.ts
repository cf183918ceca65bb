/**
 * Costs of dressing (#17): UNet sample-evaluations of one dressed shot for N garments against N
 * separate shots (one garment each), measured on the tiny demo model (the counts do not depend
 * on the weights), with the wall-time ratio; and memory: the attention-score bytes a dressed
 * call holds at 768x1024 with 3 garments on the sd15 shape (computed), next to the peak RSS of
 * one dressed call measured in a fresh process at sizes this machine holds (the tiny demo model;
 * the sd15 shape too when R2R_DRESS_SD15 names a folder from `r2r demo-model <dir> --size sd15`).
 * R2R_DRESS_STEPS sets the steps of the count runs (default 20).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import { SD15_UNET, TINY_UNET } from '../../main/inference/models/demo/unet';
import { readSourceImage, type SourceImage } from '../../main/inference/image/source-image';
import { dressGrid, runDress, type DressGarmentInput } from '../../main/inference/pipelines/dress';
import { loadR2RModel } from '../../main/inference/pipelines/load-r2r-model';
import { DEFAULT_R2R_PARAMS } from '../../main/inference/pipelines/r2r';
import { dressSampleEvaluations } from '../../main/shots/dress-shot';
import { BODY_LAYOUT, regionPlanes, type GarmentRole } from '../../main/shots/outfit-layout';

const self = fileURLToPath(import.meta.url);
const ROLES: GarmentRole[] = ['top', 'bottom', 'shoes', 'outer'];

async function writeGarment(path: string, seed: number): Promise<void> {
  const w = 64;
  const h = 64;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * (31 + seed * 6) + seed * 50) & 255;
  await sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
}

async function garmentsFor(images: SourceImage[], n: number, lw: number, lh: number): Promise<DressGarmentInput[]> {
  const planes = regionPlanes(ROLES.slice(0, n).map((r) => ({ box: BODY_LAYOUT[r] })), lw, lh);
  return images.slice(0, n).map((image, i) => ({ image, region: planes[i]!, weight: 1 }));
}

/**
 * Attention scores of one attn1 call at latent resolution (level 0): [B, heads, T, S] floats,
 * with B = 2 + N rows and S = (1 + N) T keys when dressing, B = 2 and S = T for a plain shot;
 * the Softmax writes a second tensor of that size. Plus the [B, 1, T, S] bias.
 */
function attentionBytes(width: number, height: number, heads: number, garments: number, bytesPerFloat: number) {
  const T = (width / 8) * (height / 8);
  const rows = 2 + garments;
  const S = (1 + garments) * T;
  const gib = (v: number) => Number((v / 2 ** 30).toFixed(2));
  return {
    tokens: T,
    rows,
    keys: S,
    scoresGiB: gib(rows * heads * T * S * bytesPerFloat),
    biasGiB: gib(rows * T * S * bytesPerFloat),
    plainScoresGiB: gib(2 * heads * T * T * bytesPerFloat),
  };
}

/** `--step peak <model> <w> <h> <garments> <garment pngs...>`: one dressed generation step in this process, its peak RSS */
async function peakStep(args: string[]): Promise<void> {
  const [modelDir, w, h, n, ...pngs] = args;
  const loaded = await loadR2RModel(modelDir!, { provider: 'cpu', cacheDir: join(modelDir!, '..', 'cache'), referenceAttention: true, sessionCapacity: 1 });
  const params = { ...DEFAULT_R2R_PARAMS, width: Number(w), height: Number(h), steps: 1, prompt: 'a person', previewEvery: 0 };
  const grid = dressGrid(loaded.model, params);
  const images = await Promise.all(pngs.map((p) => readSourceImage(p)));
  const t0 = performance.now();
  const res = await runDress(loaded.model, loaded.scheduler, { garments: await garmentsFor(images, Number(n), grid.latentWidth, grid.latentHeight) }, params);
  await loaded.model.dispose();
  console.log(JSON.stringify({ ms: Math.round(performance.now() - t0), rows: res.rowsPerCall, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

function peak(modelDir: string, w: number, h: number, n: number, pngs: string[]): { ms: number; rows: number; maxRssMiB: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--step', 'peak', modelDir, String(w), String(h), String(n), ...pngs], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as { ms: number; rows: number; maxRssMiB: number };
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'r2r-bench-dress-'));
  try {
    const modelDir = join(dir, 'tiny');
    writeDemoModel(modelDir, { seed: 5 });
    const pngs = ROLES.map((r) => join(dir, `${r}.png`));
    for (const [i, p] of pngs.entries()) await writeGarment(p, i);
    const images = await Promise.all(pngs.map((p) => readSourceImage(p)));
    const loaded = await loadR2RModel(modelDir, { provider: 'cpu', cacheDir: join(dir, 'cache'), referenceAttention: true });
    const steps = Number(process.env.R2R_DRESS_STEPS ?? 20);
    const params = { ...DEFAULT_R2R_PARAMS, width: 128, height: 192, steps, prompt: 'a person standing', previewEvery: 0 };
    const grid = dressGrid(loaded.model, params);
    const counts: Record<string, unknown>[] = [];
    for (const n of [1, 2, 3]) {
      const garments = await garmentsFor(images, n, grid.latentWidth, grid.latentHeight);
      let t = performance.now();
      const dressed = await runDress(loaded.model, loaded.scheduler, { garments }, params);
      const dressedMs = performance.now() - t;
      t = performance.now();
      let separate = 0;
      for (const g of garments) separate += (await runDress(loaded.model, loaded.scheduler, { garments: [g] }, params)).sampleEvaluations;
      const separateMs = performance.now() - t;
      counts.push({
        garments: n,
        sampleEvaluations: dressed.sampleEvaluations,
        formula: dressSampleEvaluations(steps, 0, n, false),
        separateShotsSampleEvaluations: separate,
        ratioToSeparate: Number((dressed.sampleEvaluations / separate).toFixed(3)),
        rowsPerCall: dressed.rowsPerCall,
        wallRatioToSeparate: Number((dressedMs / separateMs).toFixed(3)),
      });
    }
    // with a render (R2R at the default strength 0.3 of 50 steps: K = 15, TAC on 13): formula, checked by the tests
    const render = [1, 2, 3].map((n) => ({ garments: n, sampleEvaluations: dressSampleEvaluations(15, 13, n, true), separateShotsSampleEvaluations: n * dressSampleEvaluations(15, 13, 1, true) }));
    await loaded.model.dispose();

    const measured: Record<string, unknown>[] = [];
    for (const [w, h] of [[256, 384], [384, 512]] as const) {
      const plain = peak(modelDir, w, h, 0, pngs.slice(0, 3));
      const three = peak(modelDir, w, h, 3, pngs.slice(0, 3));
      measured.push({ model: 'tiny demo', size: `${w}x${h}`, plainPeakRssMiB: plain.maxRssMiB, dressed3PeakRssMiB: three.maxRssMiB, computedLevel0: attentionBytes(w, h, TINY_UNET.heads, 3, 4) });
    }
    const sd15 = process.env.R2R_DRESS_SD15;
    if (sd15) {
      const plain = peak(sd15, 256, 256, 0, pngs.slice(0, 3));
      const three = peak(sd15, 256, 256, 3, pngs.slice(0, 3));
      measured.push({ model: 'sd15 shape', size: '256x256', plainPeakRssMiB: plain.maxRssMiB, dressed3PeakRssMiB: three.maxRssMiB, dressed3CallMs: three.ms, computedLevel0: attentionBytes(256, 256, SD15_UNET.heads, 3, 4) });
    }
    return {
      steps,
      canvas: `${params.width}x${params.height}`,
      txt2img: counts,
      renderR2R: render,
      memory768x1024: {
        label: 'computed, not measured: one level-0 attn1 of the sd15 shape (8 heads) with 3 garments; the Softmax output is a second tensor of the scores size',
        fp32: attentionBytes(768, 1024, SD15_UNET.heads, 3, 4),
        fp16: attentionBytes(768, 1024, SD15_UNET.heads, 3, 2),
      },
      measuredPeak: measured,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--step') {
  await peakStep(process.argv.slice(4));
  process.exit(0);
}
