import { beforeAll, describe, expect, it } from 'vitest';
import type * as ort from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import { float16ToFloat32, float32ToFloat16 } from '../../../main/inference/onnx/float16';
import { GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { attention, toTokens } from '../../../main/inference/onnx/layers';
import { DataType, type Model } from '../../../main/inference/onnx/model';
import { buildDemoComponent } from '../../../main/inference/models/demo/demo-model';
import { adaptUnetForTac, TAC_MASK_INPUT, TAC_SOURCE_INPUT } from '../../../main/inference/models/adapt-tac';
import { adaptUnetForReference, REF_REGION_INPUT, REF_ROWS_INPUT, REFERENCE_METADATA_KEY } from '../../../main/inference/models/adapt-reference';
import { f32, i64, maxAbsDiff, randomFloats, row, session, unetFeeds } from '../onnx/ort-helpers';
import { CONTEXT, tinyAttentionUnet } from './fused-attention-graphs';

const C = 8;
const SIDE = 4;
const T = SIDE * SIDE;

/** one attn1 on the tokens of sample [B, 8, 4, 4]: its output [B, 16, 8] is the graph's output */
function oneAttentionLayer(): Model {
  const b = new GraphBuilder(DataType.FLOAT, 11);
  const sample = b.input('sample', DataType.FLOAT, ['batch', C, SIDE, SIDE]);
  const out = b.scope('down_blocks.0', () => b.scope('attentions.0', () => b.scope('transformer_blocks.0', () => attention(b, 'attn1', toTokens(b, sample, C), undefined, { heads: 2, queryDim: C }))));
  b.output('tokens', out, DataType.FLOAT, ['batch', T, C]);
  return b.model('one-attn1');
}

/** ref_region [B, R, h, w] with `inside(b, r, token)` as the weight */
function region(batch: number, refs: number, side: number, inside: (b: number, r: number, t: number) => number): ort.Tensor {
  const data = new Float32Array(batch * refs * side * side);
  for (let b = 0; b < batch; b++) for (let r = 0; r < refs; r++) for (let t = 0; t < side * side; t++) data[(b * refs + r) * side * side + t] = inside(b, r, t);
  return f32(data, [batch, refs, side, side]);
}

const tokenOf = (t: ort.Tensor, b: number, token: number) => row(t, b).subarray(token * C, (token + 1) * C);

describe('reference attention on one attn1 layer', () => {
  let plain: Float32Array;
  let adapted: ort.InferenceSession;
  // row 0 is generated, rows 1 and 2 are garments 0 and 1
  const x = randomFloats(3 * C * T, 4);
  // tokens 0-4 attend to garment 0, tokens 5-9 to garment 1, tokens 10-15 to none
  const garmentOf = (t: number) => (t < 5 ? 0 : t < 10 ? 1 : -1);
  const regions = region(3, 2, SIDE, (b, r, t) => (b === 0 && garmentOf(t) === r ? 1 : 0));

  beforeAll(async () => {
    const layer = oneAttentionLayer();
    plain = (await (await session(layer)).run({ sample: f32(x, [3, C, SIDE, SIDE]) })).tokens!.data as Float32Array;
    const { model, report } = adaptUnetForReference(layer);
    expect(report.layers).toEqual([{ name: '/down_blocks.0/attentions.0/transformer_blocks.0/attn1', level: 0 }]);
    adapted = await session(model);
  });

  const run = (sample: Float32Array, rows: number[], reg: ort.Tensor) => adapted.run({ sample: f32(sample, [3, C, SIDE, SIDE]), [REF_ROWS_INPUT]: i64(rows), [REF_REGION_INPUT]: reg });

  it('with no reference rows computes the unadapted layer bit for bit', async () => {
    const out = await run(x, [], f32(new Float32Array(0), [3, 0, SIDE, SIDE]));
    expect(maxAbsDiff(out.tokens!.data as Float32Array, plain)).toBe(0);
  });

  it('with every weight 0 matches the unadapted layer within 1e-6', async () => {
    const out = await run(x, [1, 2], region(3, 2, SIDE, () => 0));
    expect(maxAbsDiff(out.tokens!.data as Float32Array, plain)).toBeLessThan(1e-6);
  });

  it("a token in garment i's region does not change when garment j's rows change; a token outside every region is the unadapted output", async () => {
    const a = await run(x, [1, 2], regions);
    // garment 1 (batch row 2) replaced by other values
    const y = Float32Array.from(x);
    y.set(randomFloats(C * T, 99, 3), 2 * C * T);
    const b = await run(y, [1, 2], regions);
    const plainRow0 = f32(plain, [3, T, C]);
    for (let t = 0; t < T; t++) {
      const before = tokenOf(a.tokens!, 0, t);
      const after = tokenOf(b.tokens!, 0, t);
      if (garmentOf(t) === 0) expect(maxAbsDiff(after, before)).toBe(0);
      if (garmentOf(t) === 1) expect(maxAbsDiff(after, before)).toBeGreaterThan(1e-3);
      if (garmentOf(t) === -1) {
        expect(maxAbsDiff(before, tokenOf(plainRow0, 0, t))).toBeLessThan(1e-6);
        expect(maxAbsDiff(after, tokenOf(plainRow0, 0, t))).toBeLessThan(1e-6);
      }
      // inside a region the garment's tokens do change the output
      if (garmentOf(t) !== -1) expect(maxAbsDiff(before, tokenOf(plainRow0, 0, t))).toBeGreaterThan(1e-3);
    }
  });

  it('a soft weight w adds log(w) to the scores: the result lies between weight 0 and weight 1', async () => {
    const all = (w: number) => region(3, 1, SIDE, (bRow) => (bRow === 0 ? w : 0));
    const [zero, half, one] = await Promise.all([0, 0.5, 1].map((w) => run(x, [1], all(w))));
    const d = (p: ort.InferenceSession.ReturnType, q: ort.InferenceSession.ReturnType) => maxAbsDiff(row(p.tokens!, 0), row(q.tokens!, 0));
    expect(d(half, zero)).toBeGreaterThan(1e-4);
    expect(d(half, one)).toBeGreaterThan(1e-4);
    expect(d(half, zero)).toBeLessThan(d(one, zero));
  });

  it('against an independent computation: weight 1 for one reference is attention over [own, reference] tokens', async () => {
    // with Q = K = V projections untouched, attending over 2T keys equals the unadapted layer on a
    // row whose tokens are doubled only when the reference row is the row itself: ref_rows [0] for row 0
    const out = await run(x, [0], region(3, 1, SIDE, (bRow) => (bRow === 0 ? 1 : 0)));
    // every key appears twice with the same score: the softmax weights halve, the output is unchanged
    expect(maxAbsDiff(row(out.tokens!, 0), row(f32(plain, [3, T, C]), 0))).toBeLessThan(1e-6);
  });
});

describe('reference attention on the demo UNet', () => {
  let unet: Model;
  let reference: Float32Array;
  const feeds = unetFeeds(3, 8, 8, 7);

  beforeAll(async () => {
    unet = buildDemoComponent('unet', { seed: 5 });
    reference = (await (await session(unet)).run(feeds)).out_sample!.data as Float32Array;
  });

  it('adapts attn1 at every level by default, records it, and without references reproduces the UNet exactly', async () => {
    const { model, report } = adaptUnetForReference(unet);
    expect(report.levels).toEqual([0, 1, 2]);
    expect(report.layers).toHaveLength(7);
    expect(JSON.parse(model.metadataProps.find((p) => p.key === REFERENCE_METADATA_KEY)!.value)).toMatchObject({ levels: [0, 1, 2] });
    const out = await (await session(model)).run({ ...feeds, [REF_ROWS_INPUT]: i64([]), [REF_REGION_INPUT]: f32(new Float32Array(0), [3, 0, 8, 8]) });
    expect(maxAbsDiff(out.out_sample!.data as Float32Array, reference)).toBe(0);
    const zero = await (await session(model)).run({ ...feeds, [REF_ROWS_INPUT]: i64([2]), [REF_REGION_INPUT]: f32(new Float32Array(3 * 64), [3, 1, 8, 8]) });
    expect(maxAbsDiff(zero.out_sample!.data as Float32Array, reference)).toBeLessThan(1e-5);
  });

  it('adapts a TAC-adapted UNet too: identity TAC and no references give the original, references change only the rows that attend', async () => {
    const { model } = adaptUnetForReference(adaptUnetForTac(unet).model);
    expect(model.graph.inputs.map((v) => v.name)).toEqual(['sample', 'timestep', 'encoder_hidden_states', TAC_SOURCE_INPUT, TAC_MASK_INPUT, REF_ROWS_INPUT, REF_REGION_INPUT]);
    const s = await session(model);
    const ones = f32(new Float32Array(3 * 64).fill(1), [3, 1, 8, 8]);
    const none = await s.run({ ...feeds, [TAC_SOURCE_INPUT]: i64([0, 1, 2]), [TAC_MASK_INPUT]: ones, [REF_ROWS_INPUT]: i64([]), [REF_REGION_INPUT]: f32(new Float32Array(0), [3, 0, 8, 8]) });
    expect(maxAbsDiff(none.out_sample!.data as Float32Array, reference)).toBe(0);
    const dressed = await s.run({ ...feeds, [TAC_SOURCE_INPUT]: i64([0, 1, 2]), [TAC_MASK_INPUT]: ones, [REF_ROWS_INPUT]: i64([2]), [REF_REGION_INPUT]: region(3, 1, 8, (b, _r, t) => (b === 0 && t < 32 ? 1 : 0)) });
    const ref = f32(reference, [3, 4, 8, 8]);
    expect(maxAbsDiff(row(dressed.out_sample!, 0), row(ref, 0))).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(row(dressed.out_sample!, 1), row(ref, 1))).toBeLessThan(1e-5);
  });

  it('adapts an fp16 UNet: no references give the original bit for bit, a garment changes the attending row', async () => {
    const half = buildDemoComponent('unet', { seed: 5, fp16: true });
    const h16 = (t: ort.Tensor) => new Tensor('float16', float32ToFloat16(t.data as Float32Array), t.dims);
    const halfFeeds = { sample: h16(feeds.sample!), timestep: feeds.timestep!, encoder_hidden_states: h16(feeds.encoder_hidden_states!) };
    const want = (await (await session(half)).run(halfFeeds)).out_sample!.data as Uint16Array;
    const s = await session(adaptUnetForReference(half).model);
    const none = await s.run({ ...halfFeeds, [REF_ROWS_INPUT]: i64([]), [REF_REGION_INPUT]: new Tensor('float16', new Uint16Array(0), [3, 0, 8, 8]) });
    expect(Buffer.from((none.out_sample!.data as Uint16Array).buffer).equals(Buffer.from(want.buffer))).toBe(true);
    const dressed = await s.run({ ...halfFeeds, [REF_ROWS_INPUT]: i64([2]), [REF_REGION_INPUT]: h16(region(3, 1, 8, (b) => (b === 0 ? 1 : 0))) });
    const got = float16ToFloat32(dressed.out_sample!.data as Uint16Array);
    const plain = float16ToFloat32(want);
    const per = got.length / 3;
    expect(maxAbsDiff(got.subarray(0, per), plain.subarray(0, per))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(got.subarray(per, 2 * per), plain.subarray(per, 2 * per))).toBeLessThan(2e-3);
  });

  it('refuses a second adaptation and levels without attn1', () => {
    const { model } = adaptUnetForReference(unet);
    expect(() => adaptUnetForReference(model)).toThrow(/already has a ref_rows input/);
    expect(() => adaptUnetForReference(unet, { levels: [3] })).toThrow(/no attn1 layers at resolution level 3/);
  });
});

describe('reference attention on fused MultiHeadAttention', () => {
  const B = 3;
  const sample = f32(randomFloats(B * 4 * 64, 11), [B, 4, 8, 8]);
  const context = f32(randomFloats(B * CONTEXT.tokens * CONTEXT.width, 12), [B, CONTEXT.tokens, CONTEXT.width]);
  const none = { [REF_ROWS_INPUT]: i64([]), [REF_REGION_INPUT]: f32(new Float32Array(0), [B, 0, 8, 8]) };
  const out = async (m: Model, extra: Record<string, ort.Tensor> = {}) => (await (await session(m)).run({ sample, encoder_hidden_states: context, ...extra })).out_sample!.data as Float32Array;

  it('extends MultiHeadAttention keys and values and biases it like the unfused layer (also after TAC)', async () => {
    const plain = await out(tinyAttentionUnet('mha'));
    const fused = adaptUnetForReference(tinyAttentionUnet('mha'));
    expect(fused.report.layers.map((l) => l.level)).toEqual([0, 1]);
    // with an attention_bias input MultiHeadAttention runs another kernel: equal within float rounding, not bit for bit
    expect(maxAbsDiff(await out(fused.model, none), plain)).toBeLessThan(1e-6);
    // the same garment weights through the unfused and the fused form give the same output
    const dressing = { [REF_ROWS_INPUT]: i64([2]), [REF_REGION_INPUT]: region(B, 1, 8, (b, _r, t) => (b === 0 && t < 40 ? 1 : 0)) };
    const unfused = await out(adaptUnetForReference(tinyAttentionUnet('unfused')).model, dressing);
    const viaMha = await out(fused.model, dressing);
    expect(maxAbsDiff(viaMha, unfused)).toBeLessThan(1e-4);
    expect(maxAbsDiff(viaMha, plain)).toBeGreaterThan(1e-3);
    const both = adaptUnetForReference(adaptUnetForTac(tinyAttentionUnet('mha')).model);
    expect(both.report.layers).toHaveLength(2);
    const identityTac = { [TAC_SOURCE_INPUT]: i64([0, 1, 2]), [TAC_MASK_INPUT]: f32(new Float32Array(B * 64).fill(1), [B, 1, 8, 8]) };
    expect(maxAbsDiff(await out(both.model, { ...identityTac, ...none }), plain)).toBeLessThan(1e-6);
  });

  it('refuses packed forms with a clear error', () => {
    expect(() => adaptUnetForReference(tinyAttentionUnet('attention'))).toThrow(/reference attention needs separate key and value inputs/);
  });
});
