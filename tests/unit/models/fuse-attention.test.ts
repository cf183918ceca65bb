import { describe, expect, it } from 'vitest';
import { buildDemoComponent } from '../../../main/inference/models/demo/demo-model';
import { fuseAttention } from '../../../main/inference/models/optimize/fuse-attention';
import { adaptUnetForTac, TAC_MASK_INPUT, TAC_SOURCE_INPUT } from '../../../main/inference/models/adapt-tac';
import { f32, i64, maxAbsDiff, randomFloats, session, unetFeeds } from '../onnx/ort-helpers';
import { tinyAttentionUnet } from './fused-attention-graphs';

describe('fuseAttention (our own MatMul/Softmax -> MultiHeadAttention fuser)', () => {
  it('fuses every attention of the tiny demo UNet, keeps the projection names, and computes the same sample', async () => {
    const unet = buildDemoComponent('unet', { seed: 5 });
    const { model, report } = fuseAttention(unet);
    // 7 attn1 + 7 attn2 in the tiny UNet (two levels with three blocks each, one in the mid block)
    expect(report.fused.filter((l) => l.kind === 'self')).toHaveLength(7);
    expect(report.fused.filter((l) => l.kind === 'cross')).toHaveLength(7);
    expect(report.skipped).toEqual([]);
    expect(model.graph.nodes.some((n) => n.opType === 'Softmax')).toBe(false);
    expect(model.graph.nodes.filter((n) => n.opType === 'MultiHeadAttention')).toHaveLength(14);
    expect(model.graph.nodes.some((n) => n.name === '/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul')).toBe(true);
    expect(unet.graph.nodes.some((n) => n.opType === 'Softmax')).toBe(true); // the input is left as it was
    const feeds = unetFeeds(2, 8, 8, 3);
    const want = (await (await session(unet)).run(feeds)).out_sample!.data as Float32Array;
    const got = (await (await session(model)).run(feeds)).out_sample!.data as Float32Array;
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
    expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(1e-2);
  });

  it('fused output adapts for TAC like the unfused graph', async () => {
    const unfused = tinyAttentionUnet('unfused');
    const { model } = fuseAttention(unfused);
    const feeds = {
      sample: f32(randomFloats(3 * 4 * 64, 4), [3, 4, 8, 8]),
      encoder_hidden_states: f32(randomFloats(3 * 5 * 12, 5), [3, 5, 12]),
      [TAC_SOURCE_INPUT]: i64([1, 2, 0]),
      [TAC_MASK_INPUT]: f32(Float32Array.from({ length: 3 * 64 }, (_, i) => (i % 4) / 3), [3, 1, 8, 8]),
    };
    const a = adaptUnetForTac(unfused);
    const b = adaptUnetForTac(model);
    expect(b.report.layers).toEqual(a.report.layers);
    const want = (await (await session(a.model)).run(feeds)).out_sample!.data as Float32Array;
    const got = (await (await session(b.model)).run(feeds)).out_sample!.data as Float32Array;
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
  });

  it('leaves attention with a score mask (CLIP) unfused and says why', () => {
    const te = buildDemoComponent('text_encoder', { seed: 1 });
    const { report } = fuseAttention(te);
    expect(report.fused).toEqual([]);
    expect(report.skipped.length).toBeGreaterThan(0);
    expect(report.skipped[0]!.why).toMatch(/between the scores and the softmax \(a score mask\?\)/);
  });
});
