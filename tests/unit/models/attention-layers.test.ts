import { describe, expect, it } from 'vitest';
import { A, GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { conv2d, linear, toTokens } from '../../../main/inference/onnx/layers';
import { DataType, type Model } from '../../../main/inference/onnx/model';
import { findAttentionLayers, resolutionLevels } from '../../../main/inference/models/attention-layers';
import { adaptUnetForTac } from '../../../main/inference/models/adapt-tac';
import { f32, i64, maxAbsDiff, randomFloats, session } from '../onnx/ort-helpers';

/**
 * Attention the way torch 2's scaled_dot_product_attention exports: the scale is computed
 * from the head width at run time (Shape -> Gather -> Cast -> Sqrt -> Div) and applied as
 * sqrt(scale) to both Q and K^T before their MatMul.
 */
function sdpaStyleModel(): Model {
  const b = new GraphBuilder(DataType.FLOAT, 3);
  const x = b.input('sample', DataType.FLOAT, ['batch', 4, 8, 8]);
  const h = b.scope('down_blocks.0', () => conv2d(b, 'downsamplers.0.conv', x, 4, 8, { stride: 2 }));
  const out = b.scope('down_blocks.1/attentions.0/transformer_blocks.0/attn1', () => {
    const t = toTokens(b, h, 8);
    const split = (v: string, perm: number[]) => b.op('Transpose', [b.op('Reshape', [v, b.constInts([0, -1, 2, 4])])], { perm: A.ints(perm) });
    const q = split(linear(b, 'to_q', t, 8, 8, false), [0, 2, 1, 3]);
    const k = split(linear(b, 'to_k', t, 8, 8, false), [0, 2, 3, 1]);
    const v = split(linear(b, 'to_v', t, 8, 8, false), [0, 2, 1, 3]);
    const width = b.op('Cast', [b.op('Gather', [b.op('Shape', [q]), b.constInts([-1], [])], { axis: A.i(0) })], { to: A.i(DataType.FLOAT) });
    const sqrtScale = b.op('Sqrt', [b.op('Div', [b.constFloats([1]), b.op('Sqrt', [width])])]);
    const scores = b.op('MatMul', [b.op('Mul', [q, sqrtScale]), b.op('Mul', [k, sqrtScale])]);
    const o = b.op('MatMul', [b.op('Softmax', [scores], { axis: A.i(-1) }), v]);
    return b.op('Reshape', [b.op('Transpose', [o], { perm: A.ints([0, 2, 1, 3]) }), b.constInts([0, -1, 8])]);
  });
  b.output('out_sample', out, DataType.FLOAT, ['batch', 16, 8]);
  return b.model('sdpa');
}

describe('attention layers found by structure', () => {
  it('follows levels through stride-2 convolutions and resizes', () => {
    const m = sdpaStyleModel();
    const levels = resolutionLevels(m.graph, 'sample');
    expect(levels.get('/down_blocks.0/downsamplers.0.conv/Conv_output_0')).toBe(1);
  });

  it('finds SDPA-style attention with a run-time scale, and TAC keeps it exact with identity indices', async () => {
    const m = sdpaStyleModel();
    const layers = findAttentionLayers(m.graph);
    expect(layers.map((l) => [l.name, l.kind, l.level])).toEqual([['/down_blocks.1/attentions.0/transformer_blocks.0/attn1', 'self', 1]]);
    const { model, report } = adaptUnetForTac(m);
    expect(report.levels).toEqual([1]);
    const feeds = { sample: f32(randomFloats(2 * 256, 1), [2, 4, 8, 8]) };
    const ref = (await (await session(m)).run(feeds)).out_sample!.data as Float32Array;
    const got = (await (await session(model)).run({ ...feeds, tac_qk_source: i64([0, 1]), tac_token_mask: f32(new Float32Array(2 * 64).fill(1), [2, 1, 8, 8]) })).out_sample!.data as Float32Array;
    expect(maxAbsDiff(got, ref)).toBe(0);
  });
});
