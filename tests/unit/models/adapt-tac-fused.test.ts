import { beforeAll, describe, expect, it } from 'vitest';
import type * as ort from 'onnxruntime-node';
import { A, GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { DataType, type Model } from '../../../main/inference/onnx/model';
import { findFusedAttentionLayers } from '../../../main/inference/models/attention-layers';
import { adaptUnetForTac, TAC_MASK_INPUT, TAC_SOURCE_INPUT, type TacOptions } from '../../../main/inference/models/adapt-tac';
import { f32, i64, maxAbsDiff, randomFloats, session } from '../onnx/ort-helpers';
import { CONTEXT, tinyAttentionUnet, type AttentionForm } from './fused-attention-graphs';

const BATCH = 3;
const feeds = {
  sample: f32(randomFloats(BATCH * 4 * 64, 11), [BATCH, 4, 8, 8]),
  encoder_hidden_states: f32(randomFloats(BATCH * CONTEXT.tokens * CONTEXT.width, 12), [BATCH, CONTEXT.tokens, CONTEXT.width]),
};
/** a mask with fractional values so both mixing terms count */
const mask = f32(Float32Array.from({ length: BATCH * 64 }, (_, i) => ((i * 5) % 9) / 8), [BATCH, 1, 8, 8]);
const swapped = { [TAC_SOURCE_INPUT]: i64([2, 0, 1]), [TAC_MASK_INPUT]: mask };
const identity = { [TAC_SOURCE_INPUT]: i64([0, 1, 2]), [TAC_MASK_INPUT]: mask };

async function run(model: Model, extra: Record<string, ort.Tensor> = {}): Promise<Float32Array> {
  return (await (await session(model)).run({ ...feeds, ...extra })).out_sample!.data as Float32Array;
}

const adapted = (form: AttentionForm, opts: TacOptions = {}) => adaptUnetForTac(tinyAttentionUnet(form), opts);
const FUSED: AttentionForm[] = ['mha', 'split', 'packed', 'attention'];

describe('TAC on fused attention (MultiHeadAttention, packed QKV, Attention)', () => {
  let plain: Float32Array;
  let tac: Float32Array;
  let unfusedLayers: string[];

  beforeAll(async () => {
    plain = await run(tinyAttentionUnet('unfused'));
    const { model, report } = adapted('unfused');
    unfusedLayers = report.layers.map((l) => l.name);
    tac = await run(model, swapped);
  });

  it('finds the self-attention of each form at both levels and leaves cross-attention alone', () => {
    expect(unfusedLayers).toEqual(['/down_blocks.0/attentions.0/transformer_blocks.0/attn1', '/down_blocks.1/attentions.0/transformer_blocks.0/attn1']);
    for (const form of FUSED) {
      const scan = findFusedAttentionLayers(tinyAttentionUnet(form).graph);
      expect(scan.unsupported).toEqual([]);
      const self = scan.layers.filter((l) => l.kind === 'self');
      expect(self.map((l) => [l.level, l.form])).toEqual([[0, form === 'split' ? 'mha' : form === 'packed' ? 'mha-packed-qkv' : form], [1, form === 'split' ? 'mha' : form === 'packed' ? 'mha-packed-qkv' : form]]);
      const { model, report } = adapted(form);
      expect(report.layers.map((l) => l.name)).toEqual(unfusedLayers);
      expect(model.graph.inputs.map((v) => v.name)).toEqual(['sample', 'encoder_hidden_states', TAC_SOURCE_INPUT, TAC_MASK_INPUT]);
      // the fused kernel still runs: every attention is a MultiHeadAttention node, none went back to Softmax
      expect(model.graph.nodes.filter((n) => n.opType === 'MultiHeadAttention')).toHaveLength(4);
      expect(model.graph.nodes.some((n) => n.opType === 'Softmax' || n.opType === 'Attention')).toBe(false);
      // attn2's query and key are still the projections
      const cross = model.graph.nodes.filter((n) => n.opType === 'MultiHeadAttention' && n.inputs[1]!.includes('attn2/to_k'));
      expect(cross).toHaveLength(2);
      expect(cross.every((n) => n.inputs[0]!.endsWith('attn2/to_q/MatMul_output_0'))).toBe(true);
    }
  });

  it('the unadapted fused twins compute the unfused graph (the CPU provider runs them)', async () => {
    for (const form of ['mha', 'split', 'attention'] as const) {
      expect(maxAbsDiff(await run(tinyAttentionUnet(form)), plain)).toBeLessThan(1e-5);
    }
    // ORT's CPU provider has no kernel for packed QKV: the reason the adapted copy unpacks it
    await expect(run(tinyAttentionUnet('packed'))).rejects.toThrow(/Packed QKV .* not implemented for CPU/);
  });

  it.each(FUSED)('%s: the adapted fused graph equals the adapted unfused graph within 1e-5', async (form) => {
    const out = await run(adapted(form).model, swapped);
    expect(maxAbsDiff(out, tac)).toBeLessThan(1e-5);
    // and TAC changed the result (so the comparison can fail)
    expect(maxAbsDiff(out, plain)).toBeGreaterThan(1e-3);
  });

  it.each(FUSED)('%s: identity sources give the unadapted graph', async (form) => {
    const out = await run(adapted(form).model, identity);
    if (form === 'mha' || form === 'split') expect(maxAbsDiff(out, await run(tinyAttentionUnet(form)))).toBe(0);
    else expect(maxAbsDiff(out, plain)).toBeLessThan(1e-5);
  });

  it('without the mask input, packed QKV (both levels) and Attention (level 1 only) match the unfused variant', async () => {
    const src = { [TAC_SOURCE_INPUT]: i64([1, 1, 0]) };
    for (const [form, levels] of [['packed', [0, 1]], ['attention', [1]]] as const) {
      const opts = { tokenMask: false, levels: [...levels] };
      const want = await run(adapted('unfused', opts).model, src);
      expect(maxAbsDiff(want, plain)).toBeGreaterThan(1e-3);
      const { model, report } = adapted(form, opts);
      expect(report.layers.map((l) => l.level)).toEqual(levels);
      expect(model.graph.inputs.some((v) => v.name === TAC_MASK_INPUT)).toBe(false);
      expect(maxAbsDiff(await run(model, src), want)).toBeLessThan(1e-5);
    }
    // a level left alone keeps its fused Attention node
    expect(adapted('attention', { levels: [1] }).model.graph.nodes.filter((n) => n.opType === 'Attention')).toHaveLength(1);
  });
});

describe('TAC refusals on fused graphs', () => {
  const oneNode = (opType: string, attrs: Record<string, ReturnType<typeof A.i>> = {}): Model => {
    const b = new GraphBuilder(DataType.FLOAT, 0);
    const x = b.input('sample', DataType.FLOAT, [1, 16, 8]);
    const w = b.weight('w', [8, 24], { kind: 'uniform', std: 0.1 });
    const out = b.opN(opType, [x, w, b.weight('b', [24], { kind: 'const', value: 0 })], 1, { num_heads: A.i(2), ...attrs }, 'com.microsoft')[0]!;
    b.output('out_sample', out, DataType.FLOAT, [1, 16, 8]);
    const m = b.model('fused');
    m.opsetImport.push({ domain: 'com.microsoft', version: 1 });
    return m;
  };

  it('refuses the fused forms it cannot adapt, naming the op, the reason and the component', () => {
    expect(() => adaptUnetForTac(oneNode('PackedAttention'), { what: 'sd/unet/model.onnx' })).toThrow(
      /sd\/unet\/model\.onnx: attention is fused into PackedAttention nodes in a form .* cannot reach \(op PackedAttention; 1 such node/,
    );
    expect(() => adaptUnetForTac(oneNode('Attention', { unidirectional: A.i(1) }))).toThrow(/Attention nodes .* \(attribute unidirectional;/);
    try {
      adaptUnetForTac(oneNode('GroupQueryAttention'));
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string; hint: string }).code).toBe('fused-attention');
      expect((err as { hint: string }).hint).toMatch(/MultiHeadAttention \(separate or packed QKV.*r2r models optimize/);
    }
  });

  it('refuses an already adapted fused graph', () => {
    expect(() => adaptUnetForTac(adapted('packed').model)).toThrow(/already has a tac_qk_source input/);
  });
});
