import { DdimScheduler } from '../../main/inference/schedulers/ddim';
import { DdimInverseScheduler } from '../../main/inference/schedulers/ddim-inverse';
import { float16ToFloat32, float32ToFloat16 } from '../../main/inference/onnx/float16';
import { ClipTokenizer } from '../../main/inference/tokenizer/clip-tokenizer';

/** median ms of `fn` over `runs` timed calls after `warmup` untimed ones */
function time(fn: () => void, runs = 50, warmup = 10): number {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return Number(samples[Math.floor(samples.length / 2)]!.toFixed(4));
}

/**
 * The engine's per-step work outside session.run, at the 96x128 latent size
 * (768x1024 images): a DDIM step (allocating, and in place), an inversion step, fp16 conversion of a UNet batch of
 * three, and tokenizing a prompt.
 */
export async function run(): Promise<Record<string, unknown>> {
  const config = { betaSchedule: 'scaled_linear' as const, betaStart: 0.00085, betaEnd: 0.012, clipSample: false, setAlphaToOne: false };
  const latent = 4 * 96 * 128;
  const sample = Float32Array.from({ length: latent }, (_, i) => Math.sin(i));
  const eps = Float32Array.from({ length: latent }, (_, i) => Math.cos(i));
  const ddim = new DdimScheduler(config);
  ddim.setTimesteps(50);
  const inverse = new DdimInverseScheduler(config);
  inverse.setTimesteps(50);
  const inPlace = Float32Array.from(sample);
  const batch3 = Float32Array.from({ length: 3 * latent }, (_, i) => Math.sin(i) * 3);
  const batch3Half = float32ToFloat16(batch3);
  const text = Float32Array.from({ length: 3 * 77 * 768 }, (_, i) => Math.cos(i));

  const tokenizer = ClipTokenizer.bundled();
  let n = 0;
  const prompt = () => `a photograph of a ${n++} cotton t-shirt with a knit texture, natural light, studio`;

  return {
    ddim_step_ms_96x128_batch1: time(() => ddim.step(eps, 280, sample)),
    ddim_step_ms_96x128_batch3: time(() => ddim.step(batch3, 280, batch3)),
    // in place, as the R2R loop steps: no allocation
    ddim_step_into_ms_96x128_batch1: time(() => ddim.stepInto(inPlace, eps, 280, inPlace)),
    ddim_inverse_step_ms_96x128_batch1: time(() => inverse.step(eps, 280, sample)),
    ddim_inverse_step_into_ms_96x128_batch1: time(() => inverse.stepInto(inPlace, eps, 280, inPlace)),
    fp32_to_fp16_ms_96x128_batch3: time(() => float32ToFloat16(batch3)),
    fp16_to_fp32_ms_96x128_batch3: time(() => float16ToFloat32(batch3Half)),
    fp32_to_fp16_ms_text_3x77x768: time(() => float32ToFloat16(text)),
    tokenize_ms_new_prompt: time(() => tokenizer.tokenize(prompt()), 200, 20),
    tokenize_ms_same_prompt: time(() => tokenizer.tokenize('a photograph of a cotton t-shirt, natural light'), 200, 20),
  };
}
