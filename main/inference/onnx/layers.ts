import { A, type GraphBuilder } from './graph-builder';
import { DataType } from './model';

/**
 * Layers as torch exports them to ONNX opset 17, built under the builder's current scope:
 * Linear is MatMul (+ Add), GroupNorm is Reshape -> InstanceNormalization -> Reshape -> Mul
 * -> Add, attention stays unfused (MatMul -> Mul -> Softmax -> MatMul) so it can be adapted.
 */

/** y = x W (+ b); x [..., inF] -> [..., outF] */
export function linear(b: GraphBuilder, name: string, x: string, inF: number, outF: number, bias = true, gain = 1): string {
  return b.scope(name, () => {
    const w = b.weight('weight', [inF, outF], { kind: 'uniform', std: gain / Math.sqrt(inF) });
    let y = b.op('MatMul', [x, w]);
    if (bias) y = b.op('Add', [b.weight('bias', [outF], { kind: 'uniform', std: 0.02 }), y]);
    return y;
  });
}

export interface ConvOpts {
  kernel?: number;
  stride?: number;
  /** [top, left, bottom, right]; default keeps the size (kernel/2 each side) */
  pads?: number[];
  gain?: number;
}

export function conv2d(b: GraphBuilder, name: string, x: string, inC: number, outC: number, opts: ConvOpts = {}): string {
  const k = opts.kernel ?? 3;
  const p = Math.floor(k / 2);
  return b.scope(name, () => {
    const w = b.weight('weight', [outC, inC, k, k], { kind: 'uniform', std: (opts.gain ?? 1) / Math.sqrt(inC * k * k) });
    const bias = b.weight('bias', [outC], { kind: 'uniform', std: 0.02 });
    return b.op('Conv', [x, w, bias], {
      dilations: A.ints([1, 1]),
      group: A.i(1),
      kernel_shape: A.ints([k, k]),
      pads: A.ints(opts.pads ?? [p, p, p, p]),
      strides: A.ints([opts.stride ?? 1, opts.stride ?? 1]),
    });
  });
}

export function groupNorm(b: GraphBuilder, name: string, x: string, channels: number, groups: number, eps: number): string {
  return b.scope(name, () => {
    const grouped = b.op('Reshape', [x, b.constInts([0, groups, -1])]);
    const ones = b.constFloats(new Array(groups).fill(1), [groups]);
    const zeros = b.constFloats(new Array(groups).fill(0), [groups]);
    const normed = b.op('InstanceNormalization', [grouped, ones, zeros], { epsilon: A.f(eps) });
    const back = b.op('Reshape', [normed, b.op('Shape', [x])]);
    const gamma = b.weight('weight', [channels, 1, 1], { kind: 'const', value: 1 });
    const beta = b.weight('bias', [channels, 1, 1], { kind: 'const', value: 0 });
    return b.op('Add', [b.op('Mul', [back, gamma]), beta]);
  });
}

export function layerNorm(b: GraphBuilder, name: string, x: string, width: number, eps = 1e-5): string {
  return b.scope(name, () => {
    const gamma = b.weight('weight', [width], { kind: 'const', value: 1 });
    const beta = b.weight('bias', [width], { kind: 'const', value: 0 });
    return b.op('LayerNormalization', [x, gamma, beta], { axis: A.i(-1), epsilon: A.f(eps) });
  });
}

export function silu(b: GraphBuilder, x: string): string {
  return b.op('Mul', [x, b.op('Sigmoid', [x])]);
}

/** exact GELU as torch exports it: x * 0.5 * (1 + erf(x / sqrt 2)) */
export function gelu(b: GraphBuilder, x: string): string {
  const e = b.op('Erf', [b.op('Div', [x, b.constFloats([Math.SQRT2])])]);
  const one = b.op('Add', [e, b.constFloats([1])]);
  return b.op('Mul', [b.op('Mul', [x, one]), b.constFloats([0.5])]);
}

/** CLIP's quick GELU: x * sigmoid(1.702 x) */
export function quickGelu(b: GraphBuilder, x: string): string {
  return b.op('Mul', [x, b.op('Sigmoid', [b.op('Mul', [x, b.constFloats([1.702])])])]);
}

export interface AttentionOpts {
  heads: number;
  /** width of the query input */
  queryDim: number;
  /** width of the key/value input (cross-attention); default queryDim */
  contextDim?: number;
  /** biases on q/k/v projections (CLIP, VAE) */
  qkvBias?: boolean;
  qName?: string;
  kName?: string;
  vName?: string;
  outName?: string;
  /** an additive mask for the scores, [1,1,T,T] (CLIP's causal mask) */
  scoreMask?: string;
}

/**
 * Unfused multi-head attention: to_q/to_k/to_v MatMuls, heads split by Reshape/Transpose,
 * softmax(Q K^T * scale) V, heads merged, output projection. x [B,T,C], context [B,S,Cc].
 */
export function attention(b: GraphBuilder, name: string, x: string, context: string | undefined, o: AttentionOpts): string {
  const c = o.queryDim;
  const d = c / o.heads;
  return b.scope(name, () => {
    const ctx = context ?? x;
    const cdim = o.contextDim ?? c;
    const q = linear(b, o.qName ?? 'to_q', x, c, c, o.qkvBias ?? false);
    const k = linear(b, o.kName ?? 'to_k', ctx, cdim, c, o.qkvBias ?? false);
    const v = linear(b, o.vName ?? 'to_v', ctx, cdim, c, o.qkvBias ?? false);
    const heads = b.constInts([0, -1, o.heads, d]);
    const qh = b.op('Transpose', [b.op('Reshape', [q, heads])], { perm: A.ints([0, 2, 1, 3]) });
    const kt = b.op('Transpose', [b.op('Reshape', [k, heads])], { perm: A.ints([0, 2, 3, 1]) });
    const vh = b.op('Transpose', [b.op('Reshape', [v, heads])], { perm: A.ints([0, 2, 1, 3]) });
    let scores = b.op('Mul', [b.op('MatMul', [qh, kt]), b.constFloats([1 / Math.sqrt(d)])]);
    if (o.scoreMask) scores = b.op('Add', [scores, o.scoreMask]);
    const probs = b.op('Softmax', [scores], { axis: A.i(-1) });
    const merged = b.op('Transpose', [b.op('MatMul', [probs, vh])], { perm: A.ints([0, 2, 1, 3]) });
    const flat = b.op('Reshape', [merged, b.constInts([0, -1, c])]);
    return linear(b, o.outName ?? 'to_out.0', flat, c, c);
  });
}

/** [B,C,H,W] -> [B,H*W,C] */
export function toTokens(b: GraphBuilder, x: string, channels: number): string {
  return b.op('Transpose', [b.op('Reshape', [x, b.constInts([0, channels, -1])])], { perm: A.ints([0, 2, 1]) });
}

/** [B,H*W,C] -> the shape of `like` ([B,C,H,W]) */
export function fromTokens(b: GraphBuilder, tokens: string, like: string): string {
  return b.op('Reshape', [b.op('Transpose', [tokens], { perm: A.ints([0, 2, 1]) }), b.op('Shape', [like])]);
}

/** nearest-neighbour 2x upsampling, as F.interpolate(scale_factor=2) exports */
export function upsampleNearest2x(b: GraphBuilder, x: string): string {
  const scales = b.constFloats([1, 1, 2, 2], [4], DataType.FLOAT);
  return b.op('Resize', [x, '', scales], {
    coordinate_transformation_mode: A.s('asymmetric'),
    mode: A.s('nearest'),
    nearest_mode: A.s('floor'),
  });
}
