import { describe, expect, it } from 'vitest';
import { ShapeEvaluator, num } from '../../../main/inference/models/optimize/shape-eval';
import { A, GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { GraphIndex } from '../../../main/inference/onnx/graph-index';
import { DataType } from '../../../main/inference/onnx/model';

/** x [batch, tokens, 12] -> MatMul [12, 6] -> y [batch, tokens, 6], with torch-style shape arithmetic on y */
function graph() {
  const b = new GraphBuilder(DataType.FLOAT, 1);
  const x = b.input('x', DataType.FLOAT, ['batch', 'tokens', 12]);
  const y = b.op('MatMul', [x, b.weight('w', [12, 6], { kind: 'const', value: 1 })]);
  const shape = b.op('Shape', [y]);
  const size = (i: number) => b.op('Gather', [shape, b.constInts([i], [])], { axis: A.i(0) });
  const unsq = (t: string) => b.op('Unsqueeze', [t, b.constInts([0])]);
  const heads = b.constInts([3], []);
  const batch = size(0);
  const headDim = b.op('Div', [size(2), heads]);
  const split = b.op('Reshape', [y, b.op('Concat', [unsq(batch), b.constInts([-1]), unsq(heads), unsq(headDim)], { axis: A.i(0) })]);
  const merged = b.op('Reshape', [b.op('Transpose', [split], { perm: A.ints([0, 2, 1, 3]) }), b.op('Concat', [unsq(b.op('Mul', [batch, heads])), b.constInts([-1]), unsq(headDim)], { axis: A.i(0) })]);
  const int64Max = b.op('Constant', [], { value: A.t({ name: '', dataType: DataType.INT64, dims: [1], data: new Uint8Array(new BigInt64Array([2n ** 63n - 1n]).buffer) }) });
  const last = b.op('Cast', [b.op('Slice', [b.op('Shape', [split]), b.constInts([-1]), int64Max])], { to: A.i(DataType.FLOAT) });
  const scale = b.op('Div', [b.constFloats([1], [1]), b.op('Sqrt', [last])]);
  const batchBack = b.op('Div', [b.op('Gather', [b.op('Shape', [merged]), b.constInts([0], [])], { axis: A.i(0) }), heads]);
  const ix = new GraphIndex(b.graph('g'));
  return { ev: new ShapeEvaluator(ix), split, merged, scale, headDim, batchBack };
}

describe('ShapeEvaluator (torch export shape arithmetic)', () => {
  it('folds sizes known from weights and keeps run-time sizes symbolic', () => {
    const { ev, split, merged, headDim } = graph();
    expect(ev.scalar(headDim)).toBe(2);
    // [batch, -1, 3, 2] of [batch, tokens, 6]: -1 is `tokens`
    expect(ev.shape(split)).toEqual([{ c: 1, s: ['batch'] }, { c: 1, s: ['tokens'] }, num(3), num(2)]);
    // heads folded into the batch: [batch*3, tokens, 2]
    expect(ev.shape(merged)).toEqual([{ c: 3, s: ['batch'] }, { c: 1, s: ['tokens'] }, num(2)]);
  });

  it('computes SDPA\'s scale 1/sqrt(head_dim) from Shape -> Slice(-1, INT64_MAX) -> Cast -> Sqrt -> Div', () => {
    const { ev, scale } = graph();
    expect(ev.scalar(scale)).toBeCloseTo(1 / Math.sqrt(2), 7);
  });

  it('divides a run-time size by the head count exactly (batch*3 / 3 = batch)', () => {
    const { ev, batchBack } = graph();
    const v = ev.value(batchBack);
    expect(v && 'v' in v ? v.v : undefined).toEqual([{ c: 1, s: ['batch'] }]);
    expect(ev.scalar(batchBack)).toBeUndefined();
  });
});
