import { A, GraphBuilder, floatBytes } from '../../../main/inference/onnx/graph-builder';
import { attention, conv2d, fromTokens, linear, toTokens } from '../../../main/inference/onnx/layers';
import { DataType, tensorFloats, type Model } from '../../../main/inference/onnx/model';

/** how a test UNet's self-attention is written: unfused, or one of the forms ORT's transformer optimizer writes */
export type AttentionForm = 'unfused' | 'mha' | 'split' | 'packed' | 'attention';

export const CHANNELS = 8;
export const HEADS = 2;
export const CONTEXT = { tokens: 5, width: 12 };

/** a to_q/to_k/to_v weight as layers.linear makes it, taken out of the graph to be packed */
function takeWeight(b: GraphBuilder, local: string, c: number): Float32Array {
  const name = b.scope(local, () => b.weight('weight', [c, c], { kind: 'uniform', std: 1 / Math.sqrt(c) }));
  const at = b.initializers.findIndex((t) => t.name === name);
  return tensorFloats(b.initializers.splice(at, 1)[0]!);
}

/** [C, 3C] with columns [Wq | Wk | Wv] (Attention's layout); perHead: columns (head, q/k/v, h) for packed QKV [B,S,N,3,H] */
function packWeights(b: GraphBuilder, c: number, perHead: boolean): string {
  const parts = ['to_q', 'to_k', 'to_v'].map((n) => takeWeight(b, n, c));
  const d = c / HEADS;
  const packed = new Float32Array(c * 3 * c);
  for (let i = 0; i < c; i++) {
    for (let s = 0; s < 3; s++) {
      for (let j = 0; j < c; j++) {
        const col = perHead ? (Math.floor(j / d) * 3 + s) * d + (j % d) : s * c + j;
        packed[i * 3 * c + col] = parts[s]![i * c + j]!;
      }
    }
  }
  const name = `${b.modulePath()}.to_qkv.weight`;
  b.initializers.push({ name, dataType: DataType.FLOAT, dims: [c, 3 * c], data: floatBytes(packed, DataType.FLOAT) });
  return name;
}

function mha(b: GraphBuilder, inputs: string[]): string {
  return b.opN('MultiHeadAttention', inputs, 1, { num_heads: A.i(HEADS) }, 'com.microsoft')[0]!;
}

function selfAttention(b: GraphBuilder, form: AttentionForm, x: string, c: number): string {
  if (form === 'unfused') return attention(b, 'attn1', x, undefined, { heads: HEADS, queryDim: c });
  return b.scope('attn1', () => {
    let merged: string;
    if (form === 'mha') {
      merged = mha(b, ['to_q', 'to_k', 'to_v'].map((n) => linear(b, n, x, c, c, false)));
    } else if (form === 'attention') {
      const w = packWeights(b, c, false);
      const bias = b.weight('to_qkv.bias', [3 * c], { kind: 'const', value: 0 });
      merged = b.opN('Attention', [x, w, bias], 1, { num_heads: A.i(HEADS) }, 'com.microsoft')[0]!;
    } else {
      const w = packWeights(b, c, form === 'packed');
      const qkv = b.scope('to_qkv', () => b.op('MatMul', [x, w]));
      if (form === 'split') merged = mha(b, b.opN('Split', [qkv, b.constInts([c, c, c])], 3, { axis: A.i(-1) }));
      else merged = mha(b, [b.op('Reshape', [qkv, b.constInts([0, 0, HEADS, 3, c / HEADS])]), '', '']);
    }
    return linear(b, 'to_out.0', merged, c, c);
  });
}

function crossAttention(b: GraphBuilder, form: AttentionForm, x: string, context: string, c: number): string {
  if (form === 'unfused') return attention(b, 'attn2', x, context, { heads: HEADS, queryDim: c, contextDim: CONTEXT.width });
  return b.scope('attn2', () => {
    const q = linear(b, 'to_q', x, c, c, false);
    const k = linear(b, 'to_k', context, CONTEXT.width, c, false);
    const v = linear(b, 'to_v', context, CONTEXT.width, c, false);
    return linear(b, 'to_out.0', mha(b, [q, k, v]), c, c);
  });
}

/** sample [B,4,8,8] -> conv -> attention block (level 0) -> stride-2 conv -> attention block (level 1) -> conv; same weights for every form */
export function tinyAttentionUnet(form: AttentionForm, seed = 3): Model {
  const b = new GraphBuilder(DataType.FLOAT, seed);
  const sample = b.input('sample', DataType.FLOAT, ['batch', 4, 8, 8]);
  const context = b.input('encoder_hidden_states', DataType.FLOAT, ['batch', CONTEXT.tokens, CONTEXT.width]);
  const c = CHANNELS;
  const block = (scope: string, h: string) =>
    b.scope(scope, () =>
      b.scope('attentions.0', () =>
        b.scope('transformer_blocks.0', () => {
          let t = toTokens(b, h, c);
          t = b.op('Add', [selfAttention(b, form, t, c), t]);
          t = b.op('Add', [crossAttention(b, form, t, context, c), t]);
          return fromTokens(b, t, h);
        }),
      ),
    );
  let h = conv2d(b, 'conv_in', sample, 4, c);
  h = block('down_blocks.0', h);
  h = b.scope('down_blocks.0', () => conv2d(b, 'downsamplers.0.conv', h, c, c, { stride: 2, pads: [1, 1, 1, 1] }));
  h = block('down_blocks.1', h);
  b.output('out_sample', conv2d(b, 'conv_out', h, c, 4), DataType.FLOAT, ['batch', 4, 4, 4]);
  const m = b.model(`tiny-${form}`);
  if (form !== 'unfused') m.opsetImport.push({ domain: 'com.microsoft', version: 1 });
  return m;
}
