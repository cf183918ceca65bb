/**
 * Fused attention on the CPU provider: one UNet call of the sd15-shape demo UNet (860M seeded
 * weights) at 256x256 (latent 32x32, batch 2 as in a guided step), unfused (MatMul/Softmax, as
 * optimum exports it) vs fused by `r2r models optimize` (MultiHeadAttention), TAC's own cost on
 * the fused graph (tac_qk_source + tac_token_mask at the two finest levels: the median and
 * quartiles of B/A - 1 over interleaved ABBA pairs, and the share of kernel time ORT's per-node
 * profile puts on the nodes TAC added), and fp16 vs fp32 weights for the fused graph. Each ratio
 * comes from one pair of sessions whose calls alternate, so load on a shared machine hits both
 * alike. Writes the UNets (3.4 GB fp32 each) to a temporary folder, two at a time; needs about
 * 8 GB of memory. Env: R2R_BENCH_PARTS=fused,tac,fp16 (default all), R2R_BENCH_CALLS,
 * R2R_BENCH_TAC_PAIRS, R2R_BENCH_PROFILE_CALLS, R2R_BENCH_LATENT (default 32).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { buildDemoComponent } from '../../main/inference/models/demo/demo-model';
import { fuseAttention } from '../../main/inference/models/optimize/fuse-attention';
import { adaptUnetForTac, TAC_MASK_INPUT, TAC_SOURCE_INPUT } from '../../main/inference/models/adapt-tac';
import { float32ToFloat16 } from '../../main/inference/onnx/float16';
import type { Model } from '../../main/inference/onnx/model';
import { saveModel } from '../../main/inference/onnx/write-model';

const BATCH = 2;
const LATENT = Number(process.env.R2R_BENCH_LATENT ?? 32); // 256 px / 8
const CALLS = Number(process.env.R2R_BENCH_CALLS ?? 3);
/** interleaved plain/TAC pairs for the overhead (its noise shrinks with more) */
const TAC_PAIRS = Number(process.env.R2R_BENCH_TAC_PAIRS ?? 12);
/** calls profiled per node for TAC's share of the kernel time (0: skip) */
const PROFILE_CALLS = Number(process.env.R2R_BENCH_PROFILE_CALLS ?? 2);
/** which ratios to measure (comma-separated fused, tac, fp16; default all) */
const PARTS = (process.env.R2R_BENCH_PARTS ?? '').split(',').filter(Boolean);
const round = (v: number, d = 4) => Number(v.toFixed(d));
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

function feeds(fp16: boolean, tac: boolean): Record<string, ort.Tensor> {
  const n = (k: number) => Float32Array.from({ length: k }, (_, i) => Math.sin(i * 0.37) * 0.5);
  const float = (v: Float32Array, dims: number[]) => (fp16 ? new ort.Tensor('float16', float32ToFloat16(v), dims) : new ort.Tensor('float32', v, dims));
  const f: Record<string, ort.Tensor> = {
    sample: float(n(BATCH * 4 * LATENT * LATENT), [BATCH, 4, LATENT, LATENT]),
    timestep: new ort.Tensor('int64', new BigInt64Array(BATCH).fill(500n), [BATCH]),
    encoder_hidden_states: float(n(BATCH * 77 * 768), [BATCH, 77, 768]),
  };
  if (tac) {
    f[TAC_SOURCE_INPUT] = new ort.Tensor('int64', BigInt64Array.from([1n, 1n]), [BATCH]);
    f[TAC_MASK_INPUT] = float(new Float32Array(BATCH * LATENT * LATENT).fill(1), [BATCH, 1, LATENT, LATENT]);
  }
  return f;
}

async function open(dir: string, name: string, model: Model): Promise<ort.InferenceSession> {
  mkdirSync(join(dir, name));
  const path = join(dir, name, 'model.onnx');
  saveModel(model, path, { externalData: 'always' });
  return ort.InferenceSession.create(path, { executionProviders: ['cpu'] });
}

/** median ms of CALLS calls after one warm-up, for sessions run in turn (interleaved, so load drifts hit all alike) */
async function timeCalls(runs: { session: ort.InferenceSession; feeds: Record<string, ort.Tensor> }[]): Promise<number[]> {
  const ms = runs.map(() => [] as number[]);
  for (const r of runs) await r.session.run(r.feeds);
  for (let i = 0; i < CALLS; i++) {
    for (const [j, r] of runs.entries()) {
      const t0 = performance.now();
      await r.session.run(r.feeds);
      ms[j]!.push(performance.now() - t0);
    }
  }
  return ms.map(med);
}

const quantile = (a: number[], q: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
};

/**
 * TAC's overhead as B/A - 1 from interleaved pairs, in ABBA order (the second of two calls
 * in a row finds warmer caches, so each session goes second as often as first); the median
 * over TAC_PAIRS pairs and its spread (quartiles) say how far a noisy 2-core machine moved it.
 */
async function overhead(a: { session: ort.InferenceSession; feeds: Record<string, ort.Tensor> }, b: typeof a) {
  await a.session.run(a.feeds);
  await b.session.run(b.feeds);
  const ratios: number[] = [];
  const [msA, msB] = [[] as number[], [] as number[]];
  const time = async (r: typeof a) => {
    const t0 = performance.now();
    await r.session.run(r.feeds);
    return performance.now() - t0;
  };
  for (let i = 0; i < TAC_PAIRS; i++) {
    let ta: number, tb: number;
    if (i % 2 === 0) [ta, tb] = [await time(a), await time(b)];
    else [tb, ta] = [await time(b), await time(a)];
    msA.push(ta);
    msB.push(tb);
    ratios.push(tb / ta - 1);
  }
  return {
    pairs: TAC_PAIRS,
    plainMs: round(med(msA), 1),
    tacMs: round(med(msB), 1),
    overheadMedian: round(med(ratios)),
    overheadQuartiles: [round(quantile(ratios, 0.25)), round(quantile(ratios, 0.75))],
  };
}

/** the share of a TAC session's kernel time spent in the nodes TAC added (ORT's per-node profile over PROFILE_CALLS calls) */
async function tacNodeShare(path: string, feeds: Record<string, ort.Tensor>, dir: string) {
  const prefix = join(dir, 'tac-profile');
  const s = await ort.InferenceSession.create(path, { executionProviders: ['cpu'], enableProfiling: true, profileFilePrefix: prefix });
  for (let i = 0; i < PROFILE_CALLS + 1; i++) await s.run(feeds);
  s.endProfiling();
  await s.release();
  const file = readdirSync(dir).find((f) => f.startsWith('tac-profile'));
  if (!file) throw new Error(`onnxruntime wrote no profile under ${dir}`);
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  let total = 0;
  let tac = 0;
  const byOp = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    total += e.dur;
    if (/\/tac(_[qk])?\//.test(e.name)) {
      tac += e.dur;
      const op = e.args?.op_name ?? '?';
      byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    }
  }
  rmSync(join(dir, file));
  return {
    calls: PROFILE_CALLS + 1,
    tacKernelShare: round(tac / total),
    tacKernelMsPerCall: round(tac / 1000 / (PROFILE_CALLS + 1), 2),
    tacKernelMsByOp: Object.fromEntries([...byOp].map(([op, us]) => [op, round(us / 1000 / (PROFILE_CALLS + 1), 2)])),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'r2r-bench-fused-'));
  const drop = async (s: ort.InferenceSession, name: string) => {
    await s.release();
    rmSync(join(dir, name), { recursive: true, force: true });
  };
  const all = PARTS.length === 0;
  try {
    const unfused = buildDemoComponent('unet', { size: 'sd15', seed: 0 });
    const fusing = fuseAttention(unfused);
    const fused = await open(dir, 'fused', fusing.model);
    const f32 = feeds(false, false);
    const result: Record<string, unknown> = {
      model: `sd15-shape demo UNet, CPU provider, ${LATENT * 8}x${LATENT * 8} (latent ${LATENT}x${LATENT}), batch 2`,
      attentionLayersFused: fusing.report.fused.length,
    };
    // each ratio from one interleaved pair of sessions (two UNets loaded at a time)
    if (all || PARTS.includes('fused')) {
      const other = await open(dir, 'unfused', unfused);
      const [fusedMs, unfusedMs] = await timeCalls([{ session: fused, feeds: f32 }, { session: other, feeds: f32 }]);
      await drop(other, 'unfused');
      Object.assign(result, { callsTimed: CALLS, fusedMs: round(fusedMs!, 1), unfusedMs: round(unfusedMs!, 1), fusedOverUnfused: round(fusedMs! / unfusedMs!) });
    }
    if (all || PARTS.includes('tac')) {
      const tac = await open(dir, 'fused-tac', adaptUnetForTac(fusing.model).model);
      const tacFeeds = feeds(false, true);
      result.tacOverhead = { ...(await overhead({ session: fused, feeds: f32 }, { session: tac, feeds: tacFeeds })), goal: '< 0.05 of a call' };
      await tac.release();
      if (PROFILE_CALLS > 0) result.tacNodes = await tacNodeShare(join(dir, 'fused-tac', 'model.onnx'), tacFeeds, dir);
      rmSync(join(dir, 'fused-tac'), { recursive: true, force: true });
    }
    if (all || PARTS.includes('fp16')) {
      const half = await open(dir, 'fused-fp16', fuseAttention(buildDemoComponent('unet', { size: 'sd15', seed: 0, fp16: true })).model);
      const [fusedMs, fusedFp16Ms] = await timeCalls([{ session: fused, feeds: f32 }, { session: half, feeds: feeds(true, false) }]);
      await drop(half, 'fused-fp16');
      Object.assign(result, { fp16PairFusedMs: round(fusedMs!, 1), fusedFp16Ms: round(fusedFp16Ms!, 1), fp16OverFp32: round(fusedFp16Ms! / fusedMs!) });
    }
    await drop(fused, 'fused');
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
