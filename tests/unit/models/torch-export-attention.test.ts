import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adaptUnetForTac, TAC_MASK_INPUT, TAC_SOURCE_INPUT } from '../../../main/inference/models/adapt-tac';
import { findAttentionLayers } from '../../../main/inference/models/attention-layers';
import { fuseAttention } from '../../../main/inference/models/optimize/fuse-attention';
import { attr } from '../../../main/inference/onnx/graph-index';
import { readModel } from '../../../main/inference/onnx/read-model';
import { A, int64Bytes, toAttribute } from '../../../main/inference/onnx/graph-builder';
import { DataType, type Model, type Node } from '../../../main/inference/onnx/model';
import { f32, i64, maxAbsDiff, randomFloats, session } from '../onnx/ort-helpers';
import { TORCH_UNET, torchExportUnet, torchExportVaeDecoder, type TorchAttentionForm } from './torch-export-graphs';

function unetFeeds(batch: number, h: number, w: number, tac = false) {
  const { tokens, width } = TORCH_UNET.context;
  return {
    sample: f32(randomFloats(batch * 4 * h * w, 21), [batch, 4, h, w]),
    encoder_hidden_states: f32(randomFloats(batch * tokens * width, 22), [batch, tokens, width]),
    ...(tac
      ? {
          [TAC_SOURCE_INPUT]: i64(Array.from({ length: batch }, (_, i) => (i + 1) % batch)),
          [TAC_MASK_INPUT]: f32(Float32Array.from({ length: batch * h * w }, (_, i) => (i % 5) / 4), [batch, 1, h, w]),
        }
      : {}),
  };
}

async function output(model: Model, feeds: ReturnType<typeof unetFeeds> | Record<string, ReturnType<typeof f32>>): Promise<Float32Array> {
  const s = await session(model);
  return (await s.run(feeds))[s.outputNames[0]!]!.data as Float32Array;
}

const ops = (m: Model, op: string) => m.graph.nodes.filter((n) => n.opType === op);

describe.each<TorchAttentionForm>(['sdpa', 'bmm'])('fuseAttention on a torch.onnx export of diffusers attention (%s)', (form) => {
  it('fuses every attention of the UNet into MultiHeadAttention with the head count and scale the export computes at run time', async () => {
    const unfused = torchExportUnet(form);
    expect(findAttentionLayers(unfused.graph)).toHaveLength(4);
    const { model, report } = fuseAttention(unfused);
    expect(report.skipped).toEqual([]);
    expect(report.fused.map((l) => [l.kind, l.heads])).toEqual([['self', 2], ['cross', 2], ['self', 2], ['cross', 2]]);
    expect(ops(model, 'Softmax')).toHaveLength(0);
    const mha = ops(model, 'MultiHeadAttention');
    expect(mha).toHaveLength(4);
    // head_dim 8 / 2 heads = 4: scale 1/sqrt(4), whichever way the export computed it
    for (const n of mha) expect(attr(n, 'scale')?.f).toBeCloseTo(0.5, 6);
    expect(model.graph.nodes.some((n) => n.name === '/down_blocks.1/attentions.0/transformer_blocks.0/attn2/to_k/MatMul')).toBe(true);
    // the per-attention shape arithmetic went with the attention
    expect(model.graph.nodes.length).toBeLessThan(unfused.graph.nodes.length - 4 * 20);
    for (const [batch, h, w] of [[2, 8, 8], [1, 6, 10]] as const) {
      const feeds = unetFeeds(batch, h, w);
      const want = await output(unfused, feeds);
      const got = await output(model, feeds);
      expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
      expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(1e-2);
    }
  });

  it('TAC adapts the fused UNet like the unfused export (same layers, same outputs)', async () => {
    const unfused = torchExportUnet(form);
    const { model } = fuseAttention(unfused);
    const a = adaptUnetForTac(unfused);
    const b = adaptUnetForTac(model);
    expect(a.report.layers.length).toBeGreaterThan(0);
    expect(b.report.layers).toEqual(a.report.layers);
    const feeds = unetFeeds(3, 8, 8, true);
    const want = await output(a.model, feeds);
    const got = await output(b.model, feeds);
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
    // the sources really mix rows: the adapted output differs from the plain one
    const plain = await output(unfused, unetFeeds(3, 8, 8));
    expect(maxAbsDiff(want, plain)).toBeGreaterThan(1e-3);
  });

  it.each<['alpha' | 'shape', number]>([
    ['alpha', 8],
    ['shape', 16],
  ])('fuses the VAE mid-block attention (one head, biased projections, scale from %s) with scale 1/sqrt(C)', async (scale, channels) => {
    const unfused = torchExportVaeDecoder(form, scale, channels);
    const { model, report } = fuseAttention(unfused);
    expect(report.skipped).toEqual([]);
    expect(report.fused).toEqual([{ name: '/mid_block/attentions.0', kind: 'self', heads: 1 }]);
    expect(attr(ops(model, 'MultiHeadAttention')[0]!, 'scale')?.f).toBeCloseTo(1 / Math.sqrt(channels), 6);
    const feeds = { latent_sample: f32(randomFloats(2 * 4 * 6 * 4, 31, 2), [2, 4, 6, 4]) };
    const want = await output(unfused, feeds);
    expect(maxAbsDiff(await output(model, feeds), want)).toBeLessThanOrEqual(1e-5);
  });
});

describe('fuseAttention on torch exports it cannot fuse', () => {
  it('leaves a layer whose head count is only known at run time unfused, saying why', () => {
    const m = torchExportUnet('sdpa');
    // make attn1's head count a run-time size: Constant [2] in the view shape -> the text's token count
    const g = m.graph;
    const view = g.nodes.find((n) => n.name === '/down_blocks.0/attentions.0/transformer_blocks.0/attn1/Reshape')!;
    const concat = g.nodes.find((n) => n.outputs[0] === view.inputs[1])!;
    const node = (opType: string, inputs: string[], out: string, attributes: Node['attributes'] = []) =>
      g.nodes.unshift({ name: `/test/${opType}`, opType, domain: '', inputs, outputs: [out], attributes });
    node('Unsqueeze', ['tokens', 'axes'], 'heads');
    node('Gather', ['text_shape', 'one'], 'tokens', [toAttribute('axis', A.i(0))]);
    node('Shape', ['encoder_hidden_states'], 'text_shape');
    g.initializers.push(
      { name: 'one', dataType: DataType.INT64, dims: [], data: int64Bytes([1]) },
      { name: 'axes', dataType: DataType.INT64, dims: [1], data: int64Bytes([0]) },
    );
    concat.inputs[2] = 'heads';
    const { report } = fuseAttention(m);
    expect(report.fused).toHaveLength(3);
    expect(report.skipped).toEqual([
      { name: '/down_blocks.0/attentions.0/transformer_blocks.0/attn1', why: 'the head count of the head split is not known before run time' },
    ]);
  });

  it('leaves baddbmm with a real (non-zero) input term unfused', () => {
    const m = torchExportUnet('bmm');
    const beta = m.graph.nodes.filter((n) => n.opType === 'Cast' && n.name.includes('/down_blocks.1/attentions.0/transformer_blocks.0/attn2/'));
    const betaCast = beta.at(-1)!;
    const constant = m.graph.nodes.find((n) => n.outputs[0] === betaCast.inputs[0])!;
    constant.attributes[0]!.t!.data = new Uint8Array(new Float32Array([1]).buffer);
    const { report } = fuseAttention(m);
    expect(report.fused).toHaveLength(3);
    expect(report.skipped).toEqual([
      { name: '/down_blocks.1/attentions.0/transformer_blocks.0/attn2', why: 'a Add between the scores and the softmax (a score mask?)' },
    ]);
  });
});

describe('fuseAttention on the torch.onnx export in tests/fixtures/torch-reference (torch 1.13, opset 14)', () => {
  const dir = 'tests/fixtures/torch-reference/model';
  /** feeds for a model's declared inputs, run-time dims filled in */
  function feedsFor(m: Model, dims: Record<string, number>, seed: number): Record<string, ReturnType<typeof f32>> {
    const feeds: Record<string, ReturnType<typeof f32>> = {};
    for (const [i, v] of m.graph.inputs.entries()) {
      const shape = v.shape!.map((d) => (typeof d === 'number' ? d : dims[d ?? ''] ?? 2));
      const n = shape.reduce((a, d) => a * d, 1);
      feeds[v.name] = v.elemType === DataType.INT64 ? i64(new Array(n).fill(500), shape) : f32(randomFloats(n, seed + i), shape);
    }
    return feeds;
  }

  it('fuses all 10 UNet attentions and the VAE decoder\'s single-head attention, outputs within 1e-5', async () => {
    const unet = readModel(join(dir, 'unet', 'model.onnx'));
    const { model, report } = fuseAttention(unet);
    expect(report.fused).toHaveLength(10);
    expect(report.skipped).toEqual([]);
    const dims = { batch: 2, height: 8, width: 8, h: 8, w: 6 };
    const feeds = feedsFor(unet, dims, 41);
    const want = await output(unet, feeds);
    expect(maxAbsDiff(await output(model, feeds), want)).toBeLessThanOrEqual(1e-5);

    const vae = readModel(join(dir, 'vae_decoder', 'model.onnx'));
    const fusedVae = fuseAttention(vae);
    expect(fusedVae.report.fused).toEqual([{ name: '/decoder/mid_block/attentions.0', kind: 'self', heads: 1 }]);
    const vaeFeeds = feedsFor(vae, dims, 43);
    const vaeWant = await output(vae, vaeFeeds);
    expect(maxAbsDiff(await output(fusedVae.model, vaeFeeds), vaeWant)).toBeLessThanOrEqual(1e-5);
  });

  it('TAC adapts the fused export like the unfused one', async () => {
    const unet = readModel(join(dir, 'unet', 'model.onnx'));
    const a = adaptUnetForTac(unet);
    const b = adaptUnetForTac(fuseAttention(unet).model);
    expect(b.report.layers).toEqual(a.report.layers);
    expect(a.report.layers.length).toBeGreaterThan(0);
    const feeds = {
      ...feedsFor(unet, { batch: 3, height: 8, width: 8 }, 45),
      [TAC_SOURCE_INPUT]: i64([2, 0, 1]),
      [TAC_MASK_INPUT]: f32(Float32Array.from({ length: 3 * 64 }, (_, i) => (i % 3) / 2), [3, 1, 8, 8]),
    };
    expect(maxAbsDiff(await output(b.model, feeds), await output(a.model, feeds))).toBeLessThanOrEqual(1e-5);
  });
});
