/**
 * Fused attention on the CPU provider: one UNet call of the sd15-shape demo UNet (860M seeded
 * weights) at 256x256 (latent 32x32, batch 2 as in a guided step), unfused (MatMul/Softmax, as
 * optimum exports it) vs fused by `r2r models optimize` (MultiHeadAttention), TAC's own cost on
 * the fused graph (tac_qk_source + tac_token_mask at the two finest levels, the calls of both
 * interleaved), and fp16 vs fp32 weights for the fused graph. Each ratio comes from one pair of
 * sessions whose calls alternate, so load on a shared machine hits both alike. Writes the UNets
 * (3.4 GB fp32 each) to a temporary folder, two at a time; needs about 8 GB of memory.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
const LATENT = 32; // 256 px / 8
const CALLS = Number(process.env.R2R_BENCH_CALLS ?? 3);
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

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'r2r-bench-fused-'));
  const drop = async (s: ort.InferenceSession, name: string) => {
    await s.release();
    rmSync(join(dir, name), { recursive: true, force: true });
  };
  try {
    const unfused = buildDemoComponent('unet', { size: 'sd15', seed: 0 });
    const fusing = fuseAttention(unfused);
    const fused = await open(dir, 'fused', fusing.model);
    const f32 = feeds(false, false);
    // each ratio from one interleaved pair of sessions (two UNets loaded at a time)
    const other = await open(dir, 'unfused', unfused);
    const [fusedA, unfusedMs] = await timeCalls([{ session: fused, feeds: f32 }, { session: other, feeds: f32 }]);
    await drop(other, 'unfused');
    const tac = await open(dir, 'fused-tac', adaptUnetForTac(fusing.model).model);
    const [fusedB, fusedTacMs] = await timeCalls([{ session: fused, feeds: f32 }, { session: tac, feeds: feeds(false, true) }]);
    await drop(tac, 'fused-tac');
    const half = await open(dir, 'fused-fp16', fuseAttention(buildDemoComponent('unet', { size: 'sd15', seed: 0, fp16: true })).model);
    const [fusedC, fusedFp16Ms] = await timeCalls([{ session: fused, feeds: f32 }, { session: half, feeds: feeds(true, false) }]);
    await drop(half, 'fused-fp16');
    await drop(fused, 'fused');
    return {
      model: 'sd15-shape demo UNet, CPU provider, 256x256 (latent 32x32), batch 2; median of CALLS interleaved calls per pair',
      attentionLayersFused: fusing.report.fused.length,
      callsTimed: CALLS,
      fusedMsPerPair: [fusedA, fusedB, fusedC].map((v) => round(v!, 1)),
      unfusedMs: round(unfusedMs!, 1),
      fusedTacMs: round(fusedTacMs!, 1),
      fusedFp16Ms: round(fusedFp16Ms!, 1),
      fusedOverUnfused: round(fusedA! / unfusedMs!),
      tacOverheadOfCall: round((fusedTacMs! - fusedB!) / fusedB!),
      tacOverheadGoal: '< 0.05',
      fp16OverFp32: round(fusedFp16Ms! / fusedC!),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
