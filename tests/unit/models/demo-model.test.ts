import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildDemoComponent, writeDemoModel, type DemoModelSummary } from '../../../main/inference/models/demo/demo-model';
import { adaptUnetForTac } from '../../../main/inference/models/adapt-tac';
import { inspectComponent } from '../../../main/inference/models/inspect';
import { floatToHalfBits, halfBitsToFloat } from '../../../main/inference/onnx/float16';
import { readModel } from '../../../main/inference/onnx/read-model';
import { randomFloats } from '../onnx/ort-helpers';

function finiteStats(data: ArrayLike<number>): { maxAbs: number; bad: number } {
  let maxAbs = 0;
  let bad = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) bad++;
    else maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  return { maxAbs, bad };
}

/** a 64x64 image through vae_encoder -> unet -> vae_decoder, and a prompt through the text encoder */
async function runEverything(dir: string, half: boolean) {
  const type = half ? 'float16' : 'float32';
  const enc = (a: Float32Array) => (half ? Uint16Array.from(a, floatToHalfBits) : a);
  const dec = (t: ort.Tensor) => (half ? Float32Array.from(t.data as Uint16Array, halfBitsToFloat) : (t.data as Float32Array));
  const open = (c: string) => ort.InferenceSession.create(join(dir, c, 'model.onnx'));
  const te = await open('text_encoder');
  const ids = new Int32Array(77).fill(49407);
  ids.set([49406, 320, 1125, 49407]);
  const hidden = (await te.run({ input_ids: new ort.Tensor('int32', ids, [1, 77]) })).last_hidden_state!;
  const image = randomFloats(3 * 64 * 64, 9);
  const params = (await (await open('vae_encoder')).run({ sample: new ort.Tensor(type, enc(image), [1, 3, 64, 64]) })).latent_parameters!;
  const mean = dec(params).subarray(0, 4 * 8 * 8);
  const latent = Float32Array.from(mean, (v) => v * 0.18215);
  const unet = await open('unet');
  const feeds = {
    sample: new ort.Tensor(type, enc(latent), [1, 4, 8, 8]),
    timestep: new ort.Tensor('int64', BigInt64Array.from([981n]), [1]),
    encoder_hidden_states: hidden,
  };
  await unet.run(feeds);
  const t0 = performance.now();
  const eps = (await unet.run(feeds)).out_sample!;
  const unetMs = performance.now() - t0;
  const decoded = (await (await open('vae_decoder')).run({ latent_sample: new ort.Tensor(type, enc(latent), [1, 4, 8, 8]) })).sample!;
  return { hidden, params, eps, decoded, dec, unetMs };
}

describe('demo model', () => {
  let dir: string;
  let summary: DemoModelSummary;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'r2r-demo-'));
    summary = writeDemoModel(join(dir, 'tiny'), { seed: 1 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the optimum/diffusers layout with the SD 1.x scheduler and CLIP tokenizer', () => {
    const d = join(dir, 'tiny');
    for (const f of ['model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt',
      'tokenizer/tokenizer_config.json', 'tokenizer/special_tokens_map.json', 'tokenizer/LICENSE-openai-clip.txt',
      'text_encoder/model.onnx', 'unet/model.onnx', 'vae_encoder/model.onnx', 'vae_decoder/model.onnx', 'vae_decoder/config.json']) {
      expect(existsSync(join(d, f)), f).toBe(true);
    }
    const sched = JSON.parse(readFileSync(join(d, 'scheduler/scheduler_config.json'), 'utf8'));
    expect(sched).toMatchObject({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, num_train_timesteps: 1000, steps_offset: 1, set_alpha_to_one: false, clip_sample: false });
    const vocab = JSON.parse(readFileSync(join(d, 'tokenizer/vocab.json'), 'utf8'));
    expect(Object.keys(vocab)).toHaveLength(49408);
    expect(vocab['<|endoftext|>']).toBe(49407);
    const index = JSON.parse(readFileSync(join(d, 'model_index.json'), 'utf8'));
    expect(Object.keys(index)).toEqual(expect.arrayContaining(['unet', 'text_encoder', 'vae_encoder', 'vae_decoder', 'tokenizer', 'scheduler']));
    expect(summary.components.map((c) => c.name)).toEqual(['text_encoder', 'unet', 'vae_encoder', 'vae_decoder']);
  });

  it('follows the model contract: names, dtypes and shapes', () => {
    const io = (c: string) => {
      const m = readModel(join(dir, 'tiny', c, 'model.onnx'));
      return [m.graph.inputs.map((v) => [v.name, v.elemType, v.shape]), m.graph.outputs.map((v) => [v.name, v.elemType, v.shape])];
    };
    expect(io('text_encoder')).toEqual([[['input_ids', 6, ['batch', 'sequence']]], [['last_hidden_state', 1, ['batch', 'sequence', 768]]]]);
    expect(io('unet')).toEqual([
      [['sample', 1, ['batch', 4, 'height', 'width']], ['timestep', 7, ['steps']], ['encoder_hidden_states', 1, ['batch', 'sequence', 768]]],
      [['out_sample', 1, ['batch', 4, 'height', 'width']]],
    ]);
    expect(io('vae_encoder')[1]).toEqual([['latent_parameters', 1, ['batch', 8, 'height_latent', 'width_latent']]]);
    expect(io('vae_decoder')[0]).toEqual([['latent_sample', 1, ['batch', 4, 'height_latent', 'width_latent']]]);
    const names = readModel(join(dir, 'tiny', 'unet', 'model.onnx')).graph.nodes.map((n) => n.name);
    expect(names).toContain('/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul');
    expect(names).toContain('/up_blocks.1/attentions.1/transformer_blocks.0/attn2/to_k/MatMul');
    expect(names).toContain('/down_blocks.0/downsamplers.0/conv/Conv');
  });

  it('runs a 64x64 image through every component on CPU with finite, modest activations', async () => {
    const r = await runEverything(join(dir, 'tiny'), false);
    expect(r.hidden.dims).toEqual([1, 77, 768]);
    expect(r.params.dims).toEqual([1, 8, 8, 8]);
    expect(r.eps.dims).toEqual([1, 4, 8, 8]);
    expect(r.decoded.dims).toEqual([1, 3, 64, 64]);
    for (const t of [r.hidden, r.params, r.eps, r.decoded]) {
      const s = finiteStats(r.dec(t));
      expect(s.bad).toBe(0);
      expect(s.maxAbs).toBeGreaterThan(1e-3);
      expect(s.maxAbs).toBeLessThan(20);
    }
    console.log(`tiny unet call: ${r.unetMs.toFixed(1)} ms`);
  });

  it('writes a float16 model that runs the same way', async () => {
    const s = writeDemoModel(join(dir, 'half'), { seed: 1, fp16: true });
    expect(s.dtype).toBe('float16');
    expect(readModel(join(dir, 'half', 'unet', 'model.onnx')).graph.inputs[0]!.elemType).toBe(10);
    expect(inspectComponent('unet', join(dir, 'half', 'unet', 'model.onnx')).precision).toBe('float16');
    expect(inspectComponent('unet', join(dir, 'tiny', 'unet', 'model.onnx')).precision).toBe('float32');
    const r = await runEverything(join(dir, 'half'), true);
    expect(r.eps.type).toBe('float16');
    for (const t of [r.hidden, r.params, r.eps, r.decoded]) {
      const st = finiteStats(r.dec(t));
      expect(st.bad).toBe(0);
      expect(st.maxAbs).toBeLessThan(20);
    }
  });

  it('builds SD 1.5 shaped graphs with the published parameter counts (structure only, no weights generated)', () => {
    // diffusers' counts: UNet2DConditionModel 859,520,964; CLIPTextModel (ViT-L/14) 123,060,480;
    // AutoencoderKL 83,653,863 = encoder + quant_conv 34,163,664 + post_quant_conv + decoder 49,490,199
    const count = (c: 'unet' | 'text_encoder' | 'vae_encoder' | 'vae_decoder') =>
      buildDemoComponent(c, { size: 'sd15' }).graph.initializers.reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0);
    expect(count('unet')).toBe(859_520_964);
    expect(count('text_encoder')).toBe(123_060_480);
    expect(count('vae_encoder') + count('vae_decoder')).toBe(83_653_863);
    // TAC's default levels land on the layers the paper controls in SD 1.x
    const { report } = adaptUnetForTac(buildDemoComponent('unet', { size: 'sd15' }));
    const blocks = [...new Set(report.layers.map((l) => l.name.split('/')[1]))].sort();
    expect(blocks).toEqual(['down_blocks.0', 'down_blocks.1', 'up_blocks.2', 'up_blocks.3']);
    expect(report.layers).toHaveLength(10);
  });
});
