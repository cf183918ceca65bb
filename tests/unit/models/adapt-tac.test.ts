import { beforeAll, describe, expect, it } from 'vitest';
import type * as ort from 'onnxruntime-node';
import { floatToHalfBits, halfBitsToFloat } from '../../../main/inference/onnx/float16';
import { DataType, type Model } from '../../../main/inference/onnx/model';
import { GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { buildDemoComponent } from '../../../main/inference/models/demo/demo-model';
import { findAttentionLayers } from '../../../main/inference/models/attention-layers';
import { adaptUnetForTac, TAC_MASK_INPUT, TAC_SOURCE_INPUT } from '../../../main/inference/models/adapt-tac';
import { f32, i64, maxAbsDiff, row, session, unetFeeds } from '../onnx/ort-helpers';

const attn1 = (block: string) => `/${block}/transformer_blocks.0/attn1`;

describe('TAC adaptation of the tiny UNet', () => {
  let unet: Model;
  let original: ort.InferenceSession;
  const feeds = unetFeeds(3, 8, 8, 7);
  let reference: Float32Array;

  beforeAll(async () => {
    unet = buildDemoComponent('unet', { seed: 5 });
    original = await session(unet);
    reference = (await original.run(feeds)).out_sample!.data as Float32Array;
  });

  it('finds attn1 per resolution level by structure and picks the two highest resolutions', () => {
    const layers = findAttentionLayers(unet.graph);
    const self = layers.filter((l) => l.kind === 'self');
    // diffusers' layout for blocks (32,64,64), one layer per block, attention in the first two levels and the mid block
    expect(Object.fromEntries([0, 1, 2].map((lv) => [lv, self.filter((l) => l.level === lv).map((l) => l.name).sort()]))).toEqual({
      0: [attn1('down_blocks.0/attentions.0'), attn1('up_blocks.2/attentions.0'), attn1('up_blocks.2/attentions.1')],
      1: [attn1('down_blocks.1/attentions.0'), attn1('up_blocks.1/attentions.0'), attn1('up_blocks.1/attentions.1')],
      2: [attn1('mid_block/attentions.0')],
    });
    expect(layers.filter((l) => l.kind === 'cross').every((l) => l.name.endsWith('/attn2'))).toBe(true);
    const { model, report } = adaptUnetForTac(unet);
    expect(report.levels).toEqual([0, 1]);
    expect(report.layers).toHaveLength(6);
    expect(model.graph.inputs.map((v) => v.name)).toEqual(['sample', 'timestep', 'encoder_hidden_states', TAC_SOURCE_INPUT, TAC_MASK_INPUT]);
    expect(JSON.parse(model.metadataProps.find((p) => p.key === 'r2r.adapt.tac')!.value)).toMatchObject({ levels: [0, 1], tokenMask: true });
    // the input model is left as it was
    expect(unet.graph.inputs).toHaveLength(3);
  });

  it('reproduces the original exactly with identity indices (any mask) and with a zero mask (any indices)', async () => {
    const adapted = await session(adaptUnetForTac(unet).model);
    const mask = f32(Float32Array.from({ length: 3 * 64 }, (_, i) => (i % 7) / 6), [3, 1, 8, 8]);
    const a = await adapted.run({ ...feeds, [TAC_SOURCE_INPUT]: i64([0, 1, 2]), [TAC_MASK_INPUT]: mask });
    expect(maxAbsDiff(a.out_sample!.data as Float32Array, reference)).toBe(0);
    const b = await adapted.run({ ...feeds, [TAC_SOURCE_INPUT]: i64([2, 0, 1]), [TAC_MASK_INPUT]: f32(new Float32Array(3 * 64), [3, 1, 8, 8]) });
    expect(maxAbsDiff(b.out_sample!.data as Float32Array, reference)).toBe(0);
  });

  it('without the mask input, takes Q and K of the source row only in the target row', async () => {
    const { model } = adaptUnetForTac(unet, { tokenMask: false, levels: [0] });
    expect(model.graph.inputs.some((v) => v.name === TAC_MASK_INPUT)).toBe(false);
    // expose one controlled attn1: its probabilities, V heads and output
    const layer = findAttentionLayers(unet.graph).find((l) => l.name === attn1('down_blocks.0/attentions.0'))!;
    const probs = layer.softmax.outputs[0]!;
    const pv = model.graph.nodes.find((n) => n.opType === 'MatMul' && n.inputs[0] === probs)!;
    for (const name of [probs, pv.inputs[1]!, pv.outputs[0]!]) model.graph.outputs.push({ name, elemType: DataType.FLOAT, shape: undefined });
    const origProbs = (await session(withOutputs(unet, [probs]))).run(feeds);
    const out = await (await session(model)).run({ ...feeds, [TAC_SOURCE_INPUT]: i64([0, 0, 2]) });

    const ref = (await original.run(feeds)).out_sample!;
    expect(maxAbsDiff(row(out.out_sample!, 0), row(ref, 0))).toBe(0);
    expect(maxAbsDiff(row(out.out_sample!, 2), row(ref, 2))).toBe(0);
    expect(maxAbsDiff(row(out.out_sample!, 1), row(ref, 1))).toBeGreaterThan(1e-4);

    // row 1 attends with row 0's Q and K: the same probabilities, bit for bit, unlike before
    const p = out[probs]!;
    expect(maxAbsDiff(row(p, 1), row(p, 0))).toBe(0);
    const before = (await origProbs)[probs]!;
    expect(maxAbsDiff(row(before, 1), row(before, 0))).toBeGreaterThan(1e-3);
    // ... and its own values: output row 1 = probs(row 0) @ V(row 1)
    const [, heads, T, d] = out[pv.inputs[1]!]!.dims as number[];
    const v1 = row(out[pv.inputs[1]!]!, 1);
    const p0 = row(p, 0);
    const expected = new Float32Array(heads! * T! * d!);
    for (let h = 0; h < heads!; h++)
      for (let i = 0; i < T!; i++)
        for (let c = 0; c < d!; c++) {
          let s = 0;
          for (let j = 0; j < T!; j++) s += p0[(h * T! + i) * T! + j]! * v1[(h * T! + j) * d! + c]!;
          expected[(h * T! + i) * d! + c] = s;
        }
    expect(maxAbsDiff(row(out[pv.outputs[0]!]!, 1), expected)).toBeLessThan(1e-5);
  });

  it('with a mask of ones swaps Q/K like the variant without a mask', async () => {
    const withMask = await session(adaptUnetForTac(unet, { levels: [0, 1] }).model);
    const plain = await session(adaptUnetForTac(unet, { levels: [0, 1], tokenMask: false }).model);
    expect(withMask.inputNames).toEqual(['sample', 'timestep', 'encoder_hidden_states', TAC_SOURCE_INPUT, TAC_MASK_INPUT]);
    const src = { [TAC_SOURCE_INPUT]: i64([0, 0, 2]) };
    const ones = f32(new Float32Array(3 * 64).fill(1), [3, 1, 8, 8]);
    const a = (await withMask.run({ ...feeds, ...src, [TAC_MASK_INPUT]: ones })).out_sample!;
    const b = (await plain.run({ ...feeds, ...src })).out_sample!;
    expect(maxAbsDiff(a.data as Float32Array, b.data as Float32Array)).toBeLessThan(1e-5);
    expect(maxAbsDiff(row(a, 1), row(await original.run(feeds).then((r) => r.out_sample!), 1))).toBeGreaterThan(1e-4);
  });

  it('mixes own and source Q per token with the mask pooled to the level grid', async () => {
    const { model } = adaptUnetForTac(unet, { levels: [1] });
    const layer = findAttentionLayers(unet.graph).find((l) => l.name === attn1('down_blocks.1/attentions.0'))!;
    const mixed = model.graph.nodes.find((n) => n.name === `${layer.name}/tac_q/Add`)!.outputs[0]!;
    for (const name of [layer.q, mixed]) model.graph.outputs.push({ name, elemType: DataType.FLOAT, shape: undefined });
    // latent 8x8 -> level 1 grid 4x4; mask: latent columns 0-3 locked (-> grid columns 0-1), column 4 half (-> grid column 2 at 0.5)
    const mask = new Float32Array(3 * 64);
    for (let b = 0; b < 3; b++) for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) mask[b * 64 + y * 8 + x] = x <= 4 ? 1 : 0;
    const out = await (await session(model)).run({ ...feeds, [TAC_SOURCE_INPUT]: i64([2, 1, 2]), [TAC_MASK_INPUT]: f32(mask, [3, 1, 8, 8]) });
    const q = out[layer.q]!;
    const C = q.dims[2]!;
    const own = row(q, 0);
    const source = row(q, 2);
    const got = row(out[mixed]!, 0);
    for (let t = 0; t < 16; t++) {
      const w = [1, 1, 0.5, 0][t % 4]!;
      for (let c = 0; c < C; c++) {
        const want = own[t * C + c]! + w * (source[t * C + c]! - own[t * C + c]!);
        expect(Math.abs(got[t * C + c]! - want)).toBeLessThan(1e-5);
      }
    }
  });

  it('adapts a float16 UNet and keeps it exact with identity indices', async () => {
    const half = buildDemoComponent('unet', { seed: 5, fp16: true });
    const { model } = adaptUnetForTac(half);
    expect(model.graph.inputs.find((v) => v.name === TAC_MASK_INPUT)!.elemType).toBe(DataType.FLOAT16);
    const ort = await import('onnxruntime-node');
    const toHalf = (t: ort.Tensor) => new ort.Tensor('float16', Uint16Array.from(t.data as Float32Array, floatToHalfBits), t.dims);
    const hf = { sample: toHalf(feeds.sample!), timestep: feeds.timestep!, encoder_hidden_states: toHalf(feeds.encoder_hidden_states!) };
    const base = (await (await session(half)).run(hf)).out_sample!;
    const mask = new ort.Tensor('float16', new Uint16Array(3 * 64).fill(floatToHalfBits(1)), [3, 1, 8, 8]);
    const a = (await (await session(model)).run({ ...hf, [TAC_SOURCE_INPUT]: i64([0, 1, 2]), [TAC_MASK_INPUT]: mask })).out_sample!;
    expect(base.type).toBe('float16');
    expect(Array.from(a.data as Uint16Array)).toEqual(Array.from(base.data as Uint16Array));
    expect(Array.from(base.data as Uint16Array, halfBitsToFloat).every(Number.isFinite)).toBe(true);
  });
});

function withOutputs(m: Model, names: string[]): Model {
  return { ...m, graph: { ...m.graph, outputs: [...m.graph.outputs, ...names.map((name) => ({ name, elemType: DataType.FLOAT, shape: undefined }))] } };
}

describe('TAC refusals', () => {
  it('refuses a MultiHeadAttention whose query and key are no projections, naming the component and what it adapts', () => {
    const b = new GraphBuilder(DataType.FLOAT, 0);
    const x = b.input('sample', DataType.FLOAT, [1, 16, 8]);
    b.output('out_sample', b.opN('MultiHeadAttention', [x, x, x], 1, {}, 'com.microsoft')[0]!, DataType.FLOAT, [1, 16, 8]);
    const m = b.model('fused');
    m.opsetImport.push({ domain: 'com.microsoft', version: 1 });
    expect(() => adaptUnetForTac(m, { what: 'sd/unet/model.onnx' })).toThrow(
      /sd\/unet\/model\.onnx: no self-attention \(attn1\) layers found: no Softmax fed by MatMul\(Q, K\) and no MultiHeadAttention\/Attention node/,
    );
    try {
      adaptUnetForTac(m);
    } catch (err) {
      expect((err as { hint: string }).hint).toMatch(/optimum-cli export onnx .*then `r2r models optimize`/);
    }
  });

  it('refuses a graph without self-attention layers', () => {
    expect(() => adaptUnetForTac(convOnly(), { what: 'm/unet/model.onnx' })).toThrow(
      /m\/unet\/model\.onnx: no self-attention \(attn1\) layers found/,
    );
  });

  it('refuses a bad level and an already adapted graph', () => {
    const unet = buildDemoComponent('unet', { seed: 1 });
    expect(() => adaptUnetForTac(unet, { levels: [3] })).toThrow(/no attn1 layers at resolution level 3; levels with attn1: 0, 1, 2/);
    expect(() => adaptUnetForTac(adaptUnetForTac(unet).model)).toThrow(/already has a tac_qk_source input/);
  });
});

function convOnly(): Model {
  const b = new GraphBuilder(DataType.FLOAT, 0);
  const x = b.input('sample', DataType.FLOAT, [1, 4, 8, 8]);
  b.output('out_sample', b.op('Relu', [x]), DataType.FLOAT, [1, 4, 8, 8]);
  return b.model('plain');
}
