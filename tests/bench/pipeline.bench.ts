import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import { readSourceImage } from '../../main/inference/image/source-image';
import { ddimSchedule } from '../../main/inference/pipelines/ddim-schedule';
import { ShotCache } from '../../main/inference/pipelines/shot-cache';
import { loadR2RModel, type LoadedModel } from '../../main/inference/pipelines/load-r2r-model';
import { DEFAULT_R2R_PARAMS, runR2R, type R2RParams, type R2RResult } from '../../main/inference/pipelines/r2r';

const round = (v: number, d = 4) => Number(v.toFixed(d));
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const quantile = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * q))]!;
const byBatch = (r: R2RResult) => r.unetCalls.reduce<Record<number, number>>((acc, c) => ({ ...acc, [c.batch]: (acc[c.batch] ?? 0) + 1 }), {});

async function writeRender(path: string, width: number, height: number): Promise<void> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = 128 + Math.round(100 * Math.sin(x / 9));
      data[o + 1] = 128 + Math.round(100 * Math.cos(y / 13));
      data[o + 2] = (x ^ y) & 255;
    }
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(path);
}

/** real sessions (metadata, text encoder) whose UNet and VAE runs return zeros at once */
async function stubRuns(path: string, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  const real = await ort.InferenceSession.create(path, options);
  if (!/(unet|vae_encoder|vae_decoder)[\\/]model\.onnx$/.test(path)) return real;
  const outName = real.outputNames[0]!;
  const run = async (feeds: ort.InferenceSession.FeedsType) => {
    const x = feeds[real.inputNames[0]!] as ort.Tensor;
    const [b, , h, w] = x.dims as number[];
    const dims = path.includes('vae_encoder') ? [b!, 8, h! / 8, w! / 8] : path.includes('vae_decoder') ? [b!, 3, h! * 8, w! * 8] : [...x.dims];
    const n = dims.reduce((a, v) => a * v, 1);
    // in the model's own output type, so fp16 models pay their conversion as in a shot
    const half = (real.outputMetadata[0] as { type?: string }).type === 'float16';
    return { [outName]: half ? new ort.Tensor('float16', new Uint16Array(n), dims) : new ort.Tensor('float32', new Float32Array(n), dims) };
  };
  return new Proxy(real, { get: (t, k) => (k === 'run' ? run : Reflect.get(t, k)) });
}

/** one shot as the CLI runs it, image I/O included: read the render, run, write the PNG */
async function shot(loaded: LoadedModel, input: string, output: string, params: R2RParams, cache?: ShotCache): Promise<{ ms: number; res: R2RResult }> {
  const t = performance.now();
  const source = await readSourceImage(input);
  const res = await runR2R(loaded.model, ddimSchedule(loaded.scheduler, params.steps, params.strength), { source }, params, { cache, outputPath: output });
  return { ms: performance.now() - t, res };
}

/**
 * Per generation step at 96x128 latents: wall time between step callbacks less the session.run
 * time in it, and the process's CPU time per step (on a shared machine the wall time also holds
 * time the process was not scheduled; the stand-in runs cost next to nothing).
 */
async function outsideRunPerStep(modelDir: string, cacheDir: string, provider: string, render: string): Promise<Record<string, number>> {
  const stub = await loadR2RModel(modelDir, { provider, cacheDir, createSession: stubRuns });
  try {
    const p768: R2RParams = { ...DEFAULT_R2R_PARAMS, width: 768, height: 1024 };
    const perStep: number[] = [];
    const cpuPerStep: number[] = [];
    for (let i = 0; i < 3; i++) {
      const source = await readSourceImage(render);
      let last: { wall: number; model: number; cpu: number; stage: string } | undefined;
      await runR2R(stub.model, ddimSchedule(stub.scheduler, 50, 0.3), { source }, p768, {
        onStep: (e) => {
          const u = process.cpuUsage();
          const now = { wall: performance.now(), model: stub.model.runMs(), cpu: (u.user + u.system) / 1000, stage: e.stage };
          if (e.stage === 'generation' && last?.stage === 'generation') {
            perStep.push(now.wall - last.wall - (now.model - last.model));
            cpuPerStep.push(now.cpu - last.cpu);
          }
          last = now;
        },
      });
    }
    return {
      outside_session_run_cpu_ms_per_step_96x128_median: round(med(cpuPerStep), 3),
      outside_session_run_ms_per_step_96x128_median: round(med(perStep), 3),
      outside_session_run_ms_per_step_96x128_p90: round(quantile(perStep, 0.9), 3),
      outside_session_run_cpu_ms_per_step_96x128_p90: round(quantile(cpuPerStep, 0.9), 3),
    };
  } finally {
    await stub.model.dispose();
  }
}

/** median ms of one UNet call by batch size, calls of the three sizes interleaved */
async function unetCostByBatch(loaded: LoadedModel, width: number, height: number, rounds: number): Promise<Map<number, number>> {
  const m = loaded.model;
  const text = await m.encodeText('');
  const per = m.latentChannels * width * height;
  const ms = new Map<number, number[]>([[1, []], [2, []], [3, []]]);
  const sources: Record<number, number[]> = { 1: [0], 2: [0, 1], 3: [0, 1, 0] };
  for (let r = 0; r < rounds; r++) {
    for (const b of [1, 2, 3]) {
      const latents = Float32Array.from({ length: b * per }, (_, i) => Math.sin(i * 0.37));
      const texts = new Float32Array(b * text.length);
      for (let k = 0; k < b; k++) texts.set(text, k * text.length);
      const t = performance.now();
      await m.unet({ batch: b, width, height, latents, timestep: 280, text: texts, tacQkSource: m.supportsTac ? sources[b] : undefined });
      ms.get(b)!.push(performance.now() - t);
    }
  }
  return new Map([...ms].map(([b, v]) => [b, med(v)]));
}

/**
 * The pipeline's benchmark: UNet work per shot against the published code's schedule, the
 * cost of a re-tuned shot with a cached inversion (with the per-call UNet cost by batch size
 * and the floor those costs put under the ratio), and the time spent outside session.run,
 * with the tiny demo model on the CPU (or R2R_BENCH_PROVIDER). With R2R_BENCH_SD15 set to an
 * sd15 demo folder (fp16; `r2r demo-model <dir> --size sd15 --fp16`), also seconds per UNet
 * call at 256x256.
 */
export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'r2r-bench-pipeline-'));
  const out: Record<string, unknown> = {};
  try {
    writeDemoModel(join(dir, 'tiny'), { seed: 1 });
    const provider = process.env.R2R_BENCH_PROVIDER ?? 'cpu';
    const loaded = await loadR2RModel(join(dir, 'tiny'), { provider, cacheDir: join(dir, 'cache') });
    out.provider = loaded.model.provider;
    mkdirSync(join(dir, 'out'));
    try {
      // 1. sample-evaluations per shot (steps 50, strength 0.3) and time outside session.run at 512x512
      await writeRender(join(dir, 'r512.png'), 512, 512);
      const p512: R2RParams = { ...DEFAULT_R2R_PARAMS, width: 512, height: 512 };
      await shot(loaded, join(dir, 'r512.png'), join(dir, 'out', 'warm.png'), { ...p512, steps: 10 });
      const f = await shot(loaded, join(dir, 'r512.png'), join(dir, 'out', 'fresh.png'), p512);
      out.unet_sample_evaluations = f.res.sampleEvaluations;
      out.reference_sample_evaluations = f.res.referenceSampleEvaluations;
      out.sample_evaluations_ratio = round(f.res.sampleEvaluations / f.res.referenceSampleEvaluations);
      out.shot_ms_512 = round(f.ms, 1);
      out.outside_session_run_fraction_512 = round((f.ms - f.res.modelMs) / f.ms);
      for (const b of [1, 2, 3]) {
        const ms = f.res.unetCalls.filter((c) => c.batch === b).map((c) => c.ms);
        if (ms.length > 0) out[`unet_ms_batch${b}_512`] = round(med(ms), 2);
      }

      // 2. re-tuned shots against a fresh shot (TAC 0.9), at 256x256 so several rounds fit;
      //    medians of three rounds. Each round starts with an empty cache, runs the fresh shot,
      //    then the re-tunes in this order, each against what the ones before it left:
      //    seed only (R2R is deterministic: every step from the trajectory), TAC 0.9 -> 0.5 (7
      //    shared steps, 8 on batch 2), TAC 0.5 -> 0.7 (7 shared, 3 on batch 3, 5 on batch 2),
      //    guidance only (inversion only: 13 steps on batch 3, 2 on batch 2), and TAC + guidance
      //    + prompt (inversion only: 7 on batch 3, 8 on batch 2).
      await writeRender(join(dir, 'r256.png'), 256, 256);
      const p256: R2RParams = { ...DEFAULT_R2R_PARAMS, width: 256, height: 256 };
      const retunes: Record<string, R2RParams> = {
        retune_seed: { ...p256, seed: 2 },
        retune_tac_down: { ...p256, tacRatio: 0.5 },
        retune_tac_up: { ...p256, tacRatio: 0.7 },
        retune_guidance: { ...p256, guidance: 5 },
        retune_tac_guidance_prompt: { ...p256, tacRatio: 0.5, guidance: 5, prompt: 'a photo' },
      };
      const shots: Record<string, { ms: number; res: R2RResult }[]> = Object.fromEntries(['fresh', ...Object.keys(retunes)].map((k) => [k, []]));
      for (let i = 0; i < 3; i++) {
        const cache = new ShotCache(join(dir, 'cache', `shots${i}`));
        const a = await shot(loaded, join(dir, 'r256.png'), join(dir, 'out', `f${i}.png`), p256, cache);
        if (a.res.inversionCached) throw new Error('the fresh shot found an inversion');
        shots.fresh!.push(a);
        for (const [name, params] of Object.entries(retunes)) {
          const b = await shot(loaded, join(dir, 'r256.png'), join(dir, 'out', `${name}${i}.png`), params, cache);
          if (!b.res.inversionCached) throw new Error('the re-tuned shot did not find its inversion');
          shots[name]!.push(b);
        }
      }
      // per-call UNet cost by batch size at 256x256 (32x32 latents), the shot's inputs and TAC
      // sources ([0], [0, 1], [0, 1, 0]), calls interleaved so machine load hits all alike
      const cost = await unetCostByBatch(loaded, 32, 32, 8);
      for (const b of [1, 2, 3]) out[`unet_ms_batch${b}_256`] = round(cost.get(b)!, 2);
      out.unet_batch3_over_batch1_cost_256 = round(cost.get(3)! / cost.get(1)!, 3);
      out.unet_batch2_over_batch1_cost_256 = round(cost.get(2)! / cost.get(1)!, 3);
      const unetCost = (r: R2RResult) => r.unetCalls.reduce((a, c) => a + cost.get(c.batch)!, 0);
      const fresh = shots.fresh!;
      const freshMs = med(fresh.map((x) => x.ms));
      out.fresh_shot_ms_256 = round(freshMs, 1);
      out.fresh_sample_evaluations = fresh[0]!.res.sampleEvaluations;
      out.fresh_calls_by_batch = byBatch(fresh[0]!.res);
      out.fresh_model_ms_256 = round(med(fresh.map((x) => x.res.modelMs)), 1);
      for (const name of Object.keys(retunes)) {
        const r = shots[name]!;
        const ms = med(r.map((x) => x.ms));
        out[`${name}_shot_ms_256`] = round(ms, 1);
        out[`${name}_sample_evaluations`] = r[0]!.res.sampleEvaluations;
        out[`${name}_generation_steps_reused`] = r[0]!.res.generationStepsReused;
        out[`${name}_calls_by_batch`] = byBatch(r[0]!.res);
        out[`${name}_model_ms_256`] = round(med(r.map((x) => x.res.modelMs)), 1);
        out[`${name}_over_fresh_ratio`] = round(ms / freshMs);
        // the floors: the re-tune's UNet calls against the fresh shot's, if nothing else cost
        // anything, at the measured per-call costs and at costs proportional to batch size
        out[`${name}_floor_ratio_measured_batch_costs`] = round(unetCost(r[0]!.res) / unetCost(fresh[0]!.res));
        out[`${name}_floor_ratio_linear_batch_costs`] = round(r[0]!.res.sampleEvaluations / fresh[0]!.res.sampleEvaluations);
      }
      // a guidance change moves every latent of the generation, so any implementation runs the
      // negative and conditional rows of all K steps again: K batch-2 calls, even one that kept
      // the reference row's attention query/key of every step instead of re-running that row
      const k = fresh[0]!.res.k;
      out.retune_guidance_floor_any_implementation_measured_batch_costs = round((k * cost.get(2)!) / unetCost(fresh[0]!.res));
      out.retune_guidance_floor_any_implementation_linear_batch_costs = round((2 * k) / fresh[0]!.res.sampleEvaluations);
    } finally {
      await loaded.model.dispose();
    }

    // 3. per-step work outside session.run at 96x128 latents (768x1024 canvas), fp32 and fp16.
    //    The tiny model's unfused attention at 12288 tokens would need gigabytes, so session.run
    //    of the UNet and the VAE is replaced by a stand-in returning zeros of the right shape and
    //    type: everything else (feeds typed from the real sessions' metadata, fp16 conversion,
    //    guidance, DDIM, checks, previews) runs as in a shot.
    await writeRender(join(dir, 'r768.png'), 768, 1024);
    writeDemoModel(join(dir, 'tiny16'), { seed: 1, fp16: true });
    for (const [name, suffix] of [['tiny', ''], ['tiny16', '_fp16']] as const) {
      const m = await outsideRunPerStep(join(dir, name), join(dir, 'cache'), provider, join(dir, 'r768.png'));
      for (const [k, v] of Object.entries(m)) out[`${k}${suffix}`] = v;
    }

    // 4. sd15 (fp16) at 256x256: seconds per UNet call, to size what users without a GPU can expect
    const sd15 = process.env.R2R_BENCH_SD15;
    if (sd15 && existsSync(sd15)) {
      const big = await loadR2RModel(sd15, { provider, cacheDir: join(dir, 'cache') });
      try {
        await writeRender(join(dir, 'r256.png'), 256, 256);
        const { res } = await shot(big, join(dir, 'r256.png'), join(dir, 'out', 'sd15.png'), { ...DEFAULT_R2R_PARAMS, width: 256, height: 256, steps: 10, strength: 0.3 });
        const s = (b: number) => res.unetCalls.filter((c) => c.batch === b).map((c) => c.ms / 1000);
        out.sd15_fp16_256_seconds_per_unet_call_batch1 = round(Math.min(...s(1)), 3);
        out.sd15_fp16_256_seconds_per_unet_call_batch3 = round(Math.min(...s(3)), 3);
        out.sd15_fp16_256_shot_seconds_steps10 = round(res.totalMs / 1000, 2);
      } finally {
        await big.model.dispose();
      }
    } else {
      out.sd15 = 'not measured: set R2R_BENCH_SD15 to a folder from `r2r demo-model <dir> --size sd15 --fp16`';
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
