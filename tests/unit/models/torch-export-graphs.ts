/**
 * Tiny UNet / VAE graphs whose attention is written node for node the way torch.onnx (opset 14+,
 * dynamic axes, as optimum runs it) exports diffusers' Attention: sizes read at run time
 * (Shape -> Gather -> Unsqueeze -> Concat into Reshape), `//` as Div, and
 * - `sdpa` (AttnProcessor2_0): view(B, -1, heads, head_dim).transpose(1, 2), then torch's
 *   scaled_dot_product_attention symbolic: scale = 1/sqrt(last dim of Q) from
 *   Shape -> Slice -> Cast -> Sqrt -> Div, Q and K^T each multiplied by sqrt(scale);
 * - `bmm` (AttnProcessor): head_to_batch_dim ([B,S,C] -> [B,S,N,D] -> permute -> [B*N,S,D]),
 *   baddbmm(torch.empty(...), Q, K^T, beta=0, alpha=scale) = MatMul * Cast(alpha) + ConstantOfShape * Cast(0),
 *   bmm with V and batch_to_head_dim back.
 */
import { A, GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { conv2d, linear } from '../../../main/inference/onnx/layers';
import { DataType, type Model } from '../../../main/inference/onnx/model';

export type TorchAttentionForm = 'sdpa' | 'bmm';


/** the way a traced `int` size enters a shape list: Shape -> Gather(scalar index) */
function size(b: GraphBuilder, x: string, axis: number): string {
  return b.op('Gather', [b.op('Shape', [x]), b.constInts([axis], [])], { axis: A.i(0) });
}

/** torch's _constants.INT64_MAX as a Slice end (above what a JS number holds exactly) */
function int64Max(b: GraphBuilder): string {
  const data = new Uint8Array(new BigInt64Array([2n ** 63n - 1n]).buffer);
  return b.op('Constant', [], { value: A.t({ name: '', dataType: DataType.INT64, dims: [1], data }) });
}

const unsqueeze = (b: GraphBuilder, s: string) => b.op('Unsqueeze', [s, b.constInts([0])]);

/** prim::ListConstruct of traced sizes and python ints, as torch exports a shape argument */
function shapeList(b: GraphBuilder, parts: (string | number)[]): string {
  return b.op('Concat', parts.map((p) => (typeof p === 'number' ? b.constInts([p]) : unsqueeze(b, p))), { axis: A.i(0) });
}

/** `a // n` on traced int64 sizes: torch's floor_divide symbolic (Div truncates; a fix-up for negative operands) */
function floorDiv(b: GraphBuilder, a: string, n: number): string {
  const divisor = b.constInts([n], []);
  const div = b.op('Div', [a, divisor]);
  const zero = b.constInts([0], []);
  const negative = b.op('Xor', [b.op('Less', [a, zero]), b.op('Less', [divisor, zero])]);
  const rem = b.op('Sub', [a, b.op('Mul', [div, divisor])]);
  const fixup = b.op('And', [negative, b.op('Not', [b.op('Equal', [rem, zero])])]);
  return b.op('Where', [fixup, b.op('Sub', [div, b.constInts([1], [])]), div]);
}

const mulInt = (b: GraphBuilder, a: string, n: number) => b.op('Mul', [a, b.constInts([n], [])]);

function sdpaCore(b: GraphBuilder, x: string, q: string, k: string, v: string, heads: number): string {
  const batch = size(b, x, 0);
  const headDim = floorDiv(b, size(b, k, 2), heads);
  const split = (t: string) => b.op('Transpose', [b.op('Reshape', [t, shapeList(b, [batch, -1, heads, headDim])])], { perm: A.ints([0, 2, 1, 3]) });
  const [qh, kh, vh] = [split(q), split(k), split(v)];
  // torch.onnx symbolic_opset14 scaled_dot_product_attention with scale=None
  const last = b.op('Slice', [b.op('Shape', [qh]), b.constInts([-1]), int64Max(b)]);
  const embedding = b.op('Cast', [last], { to: A.i(DataType.FLOAT) });
  const scale = b.op('Cast', [b.op('Div', [b.constFloats([1], [1]), b.op('Sqrt', [embedding])])], { to: A.i(DataType.FLOAT) });
  const kt = b.op('Transpose', [kh], { perm: A.ints([0, 1, 3, 2]) });
  const scores = b.op('MatMul', [b.op('Mul', [qh, b.op('Sqrt', [scale])]), b.op('Mul', [kt, b.op('Sqrt', [scale])])]);
  const out = b.op('MatMul', [b.op('Softmax', [scores], { axis: A.i(-1) }), vh]);
  const merged = b.op('Transpose', [out], { perm: A.ints([0, 2, 1, 3]) });
  return b.op('Reshape', [merged, shapeList(b, [batch, -1, b.op('Mul', [b.constInts([heads], []), headDim])])]);
}

function headToBatchDim(b: GraphBuilder, t: string, heads: number): string {
  const [batch, seq, dim] = [size(b, t, 0), size(b, t, 1), size(b, t, 2)];
  const split = b.op('Reshape', [t, shapeList(b, [batch, seq, heads, floorDiv(b, dim, heads)])]);
  const permuted = b.op('Transpose', [split], { perm: A.ints([0, 2, 1, 3]) });
  return b.op('Reshape', [permuted, shapeList(b, [mulInt(b, batch, heads), seq, floorDiv(b, dim, heads)])]);
}

function batchToHeadDim(b: GraphBuilder, t: string, heads: number): string {
  const [batch, seq, dim] = [size(b, t, 0), size(b, t, 1), size(b, t, 2)];
  const split = b.op('Reshape', [t, shapeList(b, [floorDiv(b, batch, heads), heads, seq, dim])]);
  const permuted = b.op('Transpose', [split], { perm: A.ints([0, 2, 1, 3]) });
  return b.op('Reshape', [permuted, shapeList(b, [floorDiv(b, batch, heads), seq, mulInt(b, dim, heads)])]);
}

/**
 * `scale`: 'alpha' is diffusers' `attn.scale` as baddbmm's alpha; 'shape' divides the scores by
 * sqrt(head_dim) read from Q's shape (Shape -> Gather -> Cast -> Sqrt -> Div); `upcast` adds the
 * Casts of upcast_softmax and `.to(dtype)` around the softmax (the VAE's attention).
 */
function bmmCore(b: GraphBuilder, q: string, k: string, v: string, heads: number, o: { scale: 'alpha' | 'shape'; upcast: boolean }): string {
  const [q3, k3, v3] = [headToBatchDim(b, q, heads), headToBatchDim(b, k, heads), headToBatchDim(b, v, heads)];
  const empty = b.op('ConstantOfShape', [shapeList(b, [size(b, q3, 0), size(b, q3, 1), size(b, k3, 1)])], {
    value: A.t({ name: '', dataType: DataType.FLOAT, dims: [1], data: new Uint8Array(4) }),
  });
  const kt = b.op('Transpose', [k3], { perm: A.ints([0, 2, 1]) });
  let scores = b.op('MatMul', [q3, kt]);
  const d = 8 / heads; // head_dim of the test graphs (C = 8)
  if (o.scale === 'alpha') scores = b.op('Mul', [scores, b.op('Cast', [b.constFloats([1 / Math.sqrt(d)], [])], { to: A.i(DataType.FLOAT) })]);
  else scores = b.op('Div', [scores, b.op('Sqrt', [b.op('Cast', [size(b, q3, 2)], { to: A.i(DataType.FLOAT) })])]);
  const beta = b.op('Cast', [b.constFloats([0], [])], { to: A.i(DataType.FLOAT) });
  scores = b.op('Add', [scores, b.op('Mul', [empty, beta])]);
  if (o.upcast) scores = b.op('Cast', [scores], { to: A.i(DataType.FLOAT) });
  let probs = b.op('Softmax', [scores], { axis: A.i(-1) });
  if (o.upcast) probs = b.op('Cast', [probs], { to: A.i(DataType.FLOAT) });
  return batchToHeadDim(b, b.op('MatMul', [probs, v3]), heads);
}

function attention(b: GraphBuilder, name: string, form: TorchAttentionForm, x: string, context: string | undefined, o: { c: number; contextDim: number; heads: number; bias: boolean; scale?: 'alpha' | 'shape'; upcast?: boolean }): string {
  return b.scope(name, () => {
    const ctx = context ?? x;
    const q = linear(b, 'to_q', x, o.c, o.c, o.bias);
    const k = linear(b, 'to_k', ctx, o.contextDim, o.c, o.bias);
    const v = linear(b, 'to_v', ctx, o.contextDim, o.c, o.bias);
    const merged = form === 'sdpa' ? sdpaCore(b, x, q, k, v, o.heads) : bmmCore(b, q, k, v, o.heads, { scale: o.scale ?? 'alpha', upcast: o.upcast ?? false });
    return linear(b, 'to_out.0', merged, o.c, o.c);
  });
}

/** Transformer2DModel's `permute(0, 2, 3, 1).reshape(batch, height * width, inner_dim)` and back */
function tokens(b: GraphBuilder, h: string, c: number): { t: string; back: (t: string) => string } {
  const [batch, height, width] = [size(b, h, 0), size(b, h, 2), size(b, h, 3)];
  const t = b.op('Reshape', [b.op('Transpose', [h], { perm: A.ints([0, 2, 3, 1]) }), shapeList(b, [batch, b.op('Mul', [height, width]), c])]);
  const back = (x: string) => b.op('Transpose', [b.op('Reshape', [x, shapeList(b, [batch, height, width, c])])], { perm: A.ints([0, 3, 1, 2]) });
  return { t, back };
}

export const TORCH_UNET = { channels: 8, heads: 2, context: { tokens: 5, width: 12 } };

/** sample [B,4,H,W] (dynamic) -> conv -> transformer block (attn1, attn2) -> stride-2 conv -> transformer block -> conv */
export function torchExportUnet(form: TorchAttentionForm, seed = 7): Model {
  const b = new GraphBuilder(DataType.FLOAT, seed);
  const sample = b.input('sample', DataType.FLOAT, ['batch', 4, 'height', 'width']);
  const context = b.input('encoder_hidden_states', DataType.FLOAT, ['batch', 'sequence', TORCH_UNET.context.width]);
  const { channels: c, heads } = TORCH_UNET;
  const o = { c, heads, bias: false };
  const block = (scope: string, h: string) =>
    b.scope(scope, () =>
      b.scope('attentions.0', () => {
        const { t: t0, back } = tokens(b, h, c);
        return b.scope('transformer_blocks.0', () => {
          let t = b.op('Add', [attention(b, 'attn1', form, t0, undefined, { ...o, contextDim: c }), t0]);
          t = b.op('Add', [attention(b, 'attn2', form, t, context, { ...o, contextDim: TORCH_UNET.context.width }), t]);
          return back(t);
        });
      }),
    );
  let h = conv2d(b, 'conv_in', sample, 4, c);
  h = block('down_blocks.0', h);
  h = b.scope('down_blocks.0', () => conv2d(b, 'downsamplers.0.conv', h, c, c, { stride: 2, pads: [1, 1, 1, 1] }));
  h = block('down_blocks.1', h);
  b.output('out_sample', conv2d(b, 'conv_out', h, c, 4), DataType.FLOAT, ['batch', 4, 'h', 'w']);
  return b.model(`torch-unet-${form}`);
}

/**
 * The VAE decoder's mid-block attention (diffusers Attention with one head of all C channels,
 * biased projections, upcast softmax, residual connection), input [B,C,H,W] viewed as tokens.
 */
export function torchExportVaeDecoder(form: TorchAttentionForm, scale: 'alpha' | 'shape' = 'alpha', channels = 8, seed = 11): Model {
  const b = new GraphBuilder(DataType.FLOAT, seed);
  const latent = b.input('latent_sample', DataType.FLOAT, ['batch', 4, 'height', 'width']);
  const c = channels;
  let h = conv2d(b, 'conv_in', latent, 4, c);
  h = b.scope('mid_block', () =>
    b.scope('attentions.0', () => {
      const [batch, ch, height, width] = [size(b, h, 0), size(b, h, 1), size(b, h, 2), size(b, h, 3)];
      const t = b.op('Transpose', [b.op('Reshape', [h, shapeList(b, [batch, ch, b.op('Mul', [height, width])])])], { perm: A.ints([0, 2, 1]) });
      const out = b.scope('', () => {
        const x = attention(b, '', form, t, undefined, { c, contextDim: c, heads: 1, bias: true, scale, upcast: true });
        return b.op('Reshape', [b.op('Transpose', [x], { perm: A.ints([0, 2, 1]) }), shapeList(b, [batch, ch, height, width])]);
      });
      return b.op('Div', [b.op('Add', [out, h]), b.constFloats([1])]);
    }),
  );
  b.output('sample', conv2d(b, 'conv_out', h, c, 3), DataType.FLOAT, ['batch', 3, 'h', 'w']);
  return b.model(`torch-vae-${form}`);
}
