import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildDemoComponent } from '../../../main/inference/models/demo/demo-model';
import { fuseNorms } from '../../../main/inference/models/optimize/fuse-norms';
import { A, GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { gelu } from '../../../main/inference/onnx/layers';
import { DataType, type Model } from '../../../main/inference/onnx/model';
import { readModel } from '../../../main/inference/onnx/read-model';
import { f32, maxAbsDiff, randomFloats, session } from '../onnx/ort-helpers';

const TORCH = 'tests/fixtures/torch-reference/model';
const WIDTH = 8;

/** LayerNorm as torch.onnx.export writes it below opset 17 */
function decomposedLayerNorm(b: GraphBuilder, x: string, opts: { eps?: number; leakCentred?: boolean } = {}): { y: string; centred: string } {
  return b.scope('norm1', () => {
    const mean = b.op('ReduceMean', [x], { axes: { kind: 'ints', v: [-1] } });
    const centred = b.op('Sub', [x, mean]);
    const variance = b.op('ReduceMean', [b.op('Pow', [centred, b.constFloats([2])])], { axes: { kind: 'ints', v: [-1] } });
    const std = b.op('Sqrt', [b.op('Add', [variance, b.constFloats([opts.eps ?? 1e-5])])]);
    const normed = b.op('Div', [centred, std]);
    const gamma = b.weight('weight', [WIDTH], { kind: 'uniform', std: 1 });
    const beta = b.weight('bias', [WIDTH], { kind: 'uniform', std: 1 });
    return { y: b.op('Add', [b.op('Mul', [normed, gamma]), beta]), centred };
  });
}

function tinyBlock(opts: { eps?: number; leakCentred?: boolean; geluDivisor?: number } = {}): Model {
  const b = new GraphBuilder(DataType.FLOAT, 11);
  const x = b.input('x', DataType.FLOAT, [2, 5, WIDTH]);
  const { y, centred } = decomposedLayerNorm(b, x, opts);
  const act = b.scope('ff', () =>
    opts.geluDivisor === undefined
      ? gelu(b, y)
      : b.op('Mul', [b.op('Mul', [y, b.op('Add', [b.op('Erf', [b.op('Div', [y, b.constFloats([opts.geluDivisor])])]), b.constFloats([1])])]), b.constFloats([0.5])]),
  );
  b.output('out', act, DataType.FLOAT, [2, 5, WIDTH]);
  if (opts.leakCentred) b.output('centred', centred, DataType.FLOAT, [2, 5, WIDTH]);
  return b.model('tiny', 14);
}

const ops = (m: Model, op: string) => m.graph.nodes.filter((n) => n.opType === op);

async function outputs(m: Model, feeds: Record<string, ort.Tensor>): Promise<Float32Array[]> {
  const r = await (await session(m)).run(feeds);
  return m.graph.outputs.map((o) => r[o.name]!.data as Float32Array);
}

describe('fuseNorms (decomposed LayerNorm -> LayerNormalization, erf GELU -> com.microsoft Gelu)', () => {
  it('fuses both patterns of a tiny opset-14 block and computes the same output on the CPU provider', async () => {
    const plain = tinyBlock();
    const { model, report } = fuseNorms(plain);
    expect(report).toMatchObject({ layerNorms: 1, gelus: 1, fastGelus: 0, skipped: [] });
    expect(model.graph.nodes.map((n) => `${n.domain}:${n.opType}:${n.name}`).filter((s) => !s.includes(':Constant:'))).toEqual([
      ':LayerNormalization:/norm1/LayerNormalization',
      'com.microsoft:Gelu:/ff/Gelu',
      ':Identity:/out/Identity',
    ]);
    expect(ops(model, 'LayerNormalization')[0]!.inputs).toEqual(['x', 'norm1.weight', 'norm1.bias']);
    expect(model.opsetImport).toContainEqual({ domain: 'com.microsoft', version: 1 });
    expect(ops(plain, 'ReduceMean')).toHaveLength(2); // the input is left as it was
    // inputs scaled so the GELU sees both signs and the variance is far from epsilon
    const feeds = { x: f32(randomFloats(2 * 5 * WIDTH, 7, 3), [2, 5, WIDTH]) };
    const [want] = await outputs(plain, feeds);
    const [got] = await outputs(model, feeds);
    expect(maxAbsDiff(got!, want!)).toBeLessThanOrEqual(1e-5);
    expect(Math.max(...Array.from(want!, Math.abs))).toBeGreaterThan(0.5);
  });

  it('keeps epsilon: a LayerNorm with a large epsilon fuses to the same values', async () => {
    const plain = tinyBlock({ eps: 0.5 });
    const { model } = fuseNorms(plain);
    expect(ops(model, 'LayerNormalization')[0]!.attributes.find((a) => a.name === 'epsilon')!.f).toBeCloseTo(0.5, 7);
    const feeds = { x: f32(randomFloats(2 * 5 * WIDTH, 8, 0.5), [2, 5, WIDTH]) };
    expect(maxAbsDiff((await outputs(model, feeds))[0]!, (await outputs(plain, feeds))[0]!)).toBeLessThanOrEqual(1e-5);
  });

  it('leaves near misses alone and says why: a centred value used elsewhere, an erf of x / 2', async () => {
    const leak = fuseNorms(tinyBlock({ leakCentred: true }));
    expect(leak.report.layerNorms).toBe(0);
    expect(leak.report.skipped).toEqual([{ name: '/norm1/ReduceMean', why: 'x - mean(x) feeds more than the variance and the division' }]);
    expect(ops(leak.model, 'ReduceMean')).toHaveLength(2);
    const notGelu = fuseNorms(tinyBlock({ geluDivisor: 2 }));
    expect(notGelu.report.gelus).toBe(0);
    expect(notGelu.report.skipped).toEqual([{ name: '/ff/Erf', why: 'the erf input is not x / sqrt(2)' }]);
    expect(ops(notGelu.model, 'Erf')).toHaveLength(1);
    expect(ops(notGelu.model, 'Gelu')).toHaveLength(0);
  });

  it('fuses the tanh GELU in both of its written forms into FastGelu with the same output, and leaves a wrong cubic term', async () => {
    const tanhGelu = (form: 'pow-last-half' | 'cube-half-first', kappa = 0.044715): Model => {
      const b = new GraphBuilder(DataType.FLOAT, 3);
      const x = b.input('x', DataType.FLOAT, [2, 5, WIDTH]);
      const y = b.scope('act', () => {
        const cube = form === 'pow-last-half' ? b.op('Pow', [x, b.constFloats([3])]) : b.op('Mul', [x, b.op('Mul', [x, x])]);
        const inner = b.op('Mul', [b.constFloats([Math.sqrt(2 / Math.PI)]), b.op('Add', [x, b.op('Mul', [b.constFloats([kappa]), cube])])]);
        const onePlus = b.op('Add', [b.constFloats([1]), b.op('Tanh', [inner])]);
        return form === 'pow-last-half'
          ? b.op('Mul', [b.op('Mul', [x, onePlus]), b.constFloats([0.5])])
          : b.op('Mul', [b.op('Mul', [x, b.constFloats([0.5])]), onePlus]);
      });
      b.output('out', y, DataType.FLOAT, [2, 5, WIDTH]);
      return b.model('tanh-gelu', 14);
    };
    const feeds = { x: f32(randomFloats(2 * 5 * WIDTH, 9, 4), [2, 5, WIDTH]) };
    for (const form of ['pow-last-half', 'cube-half-first'] as const) {
      const plain = tanhGelu(form);
      const { model, report } = fuseNorms(plain);
      expect(report).toMatchObject({ fastGelus: 1, gelus: 0, skipped: [] });
      expect(model.graph.nodes.filter((n) => n.opType !== 'Constant').map((n) => `${n.domain}:${n.opType}:${n.name}`)).toEqual(['com.microsoft:FastGelu:/act/FastGelu', ':Identity:/out/Identity']);
      expect(maxAbsDiff((await outputs(model, feeds))[0]!, (await outputs(plain, feeds))[0]!)).toBeLessThanOrEqual(1e-5);
    }
    const wrong = fuseNorms(tanhGelu('pow-last-half', 0.05));
    expect(wrong.report.fastGelus).toBe(0);
    expect(wrong.report.skipped).toEqual([{ name: '/act/Tanh', why: 'the tanh input is not sqrt(2/pi) (x + 0.044715 x^3)' }]);
  });

  it('fuses the torch export (opset 14) of the reference UNet and text encoder without changing their outputs', async () => {
    const te = readModel(`${TORCH}/text_encoder/model.onnx`);
    const fusedTe = fuseNorms(te);
    expect(fusedTe.report).toMatchObject({ layerNorms: 3, gelus: 0, skipped: [] });
    expect(ops(fusedTe.model, 'LayerNormalization').map((n) => n.name)).toContain('/text_model/final_layer_norm/LayerNormalization');
    const ids = new ort.Tensor('int64', BigInt64Array.from({ length: 77 }, (_, i) => BigInt(i < 6 ? 3 + i * 5 : 1)), [1, 77]);
    expect(maxAbsDiff((await outputs(fusedTe.model, { input_ids: ids }))[0]!, (await outputs(te, { input_ids: ids }))[0]!)).toBeLessThanOrEqual(1e-5);

    const unet = readModel(`${TORCH}/unet/model.onnx`);
    const fused = fuseNorms(unet);
    expect(fused.report).toMatchObject({ layerNorms: 15, gelus: 5, skipped: [] });
    expect(fused.report.groupNorms.left).toBe(ops(unet, 'InstanceNormalization').length);
    expect(ops(fused.model, 'ReduceMean')).toEqual([]);
    expect(ops(fused.model, 'Erf')).toEqual([]);
    expect(fused.model.graph.nodes.some((n) => n.name === '/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul')).toBe(true);
    const feeds = {
      sample: f32(randomFloats(2 * 4 * 64, 3), [2, 4, 8, 8]),
      timestep: f32(Float32Array.of(400), [1]),
      encoder_hidden_states: f32(randomFloats(2 * 77 * 32, 4), [2, 77, 32]),
    };
    const [want] = await outputs(unet, feeds);
    const [got] = await outputs(fused.model, feeds);
    expect(maxAbsDiff(got!, want!)).toBeLessThanOrEqual(1e-5);
    expect(Math.max(...Array.from(want!, Math.abs))).toBeGreaterThan(1e-2);
  });

  it('the reason GroupNorms stay holds: the CPU provider refuses com.microsoft GroupNorm', async () => {
    const b = new GraphBuilder(DataType.FLOAT, 1);
    const x = b.input('x', DataType.FLOAT, [1, 2, 2, 4]);
    const gamma = b.weight('gamma', [4], { kind: 'const', value: 1 });
    const beta = b.weight('beta', [4], { kind: 'const', value: 0 });
    const y = b.opN('GroupNorm', [x, gamma, beta], 1, { groups: A.i(2), epsilon: A.f(1e-5), activation: A.i(0) }, 'com.microsoft')[0]!;
    b.output('y', y, DataType.FLOAT, [1, 2, 2, 4]);
    const m = b.model('group-norm', 14);
    m.opsetImport.push({ domain: 'com.microsoft', version: 1 });
    await expect(session(m)).rejects.toThrow(/Could not find an implementation for GroupNorm/);
  });

  it('fuses the GEGLU GELUs of the demo UNet (its LayerNorms are already fused) and leaves its GroupNorms', () => {
    const { report } = fuseNorms(buildDemoComponent('unet', { seed: 5 }));
    expect(report).toMatchObject({ layerNorms: 0, gelus: 7, skipped: [], groupNorms: { left: 30 } });
    expect(report.groupNorms.why).toMatch(/GroupNorm has no CPU kernel/);
  });
});
