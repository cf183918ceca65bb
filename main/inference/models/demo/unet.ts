import { A, GraphBuilder } from '../../onnx/graph-builder';
import { attention, conv2d, fromTokens, gelu, groupNorm, layerNorm, linear, silu, toTokens, upsampleNearest2x } from '../../onnx/layers';
import { DataType, type DataTypeId, type Model } from '../../onnx/model';

/** the parts of diffusers' UNet2DConditionModel config that shape the graph */
export interface UNetConfig {
  blockOutChannels: number[];
  /** per down block: has cross-attention transformers (up blocks mirror it) */
  crossAttention: boolean[];
  layersPerBlock: number;
  heads: number;
  crossAttentionDim: number;
  normGroups: number;
  inChannels: number;
  outChannels: number;
}

export const SD15_UNET: UNetConfig = {
  blockOutChannels: [320, 640, 1280, 1280],
  crossAttention: [true, true, true, false],
  layersPerBlock: 2,
  heads: 8,
  crossAttentionDim: 768,
  normGroups: 32,
  inChannels: 4,
  outChannels: 4,
};

/** three resolution levels, attention at all of them (mid block included), tiny widths */
export const TINY_UNET: UNetConfig = {
  blockOutChannels: [32, 64, 64],
  crossAttention: [true, true, false],
  layersPerBlock: 1,
  heads: 2,
  crossAttentionDim: 768,
  normGroups: 8,
  inChannels: 4,
  outChannels: 4,
};

interface Ctx {
  b: GraphBuilder;
  cfg: UNetConfig;
  temb: string;
  context: string;
}

function resnet(c: Ctx, name: string, x: string, inC: number, outC: number): string {
  const { b, cfg } = c;
  return b.scope(name, () => {
    let h = silu(b, groupNorm(b, 'norm1', x, inC, cfg.normGroups, 1e-5));
    h = conv2d(b, 'conv1', h, inC, outC);
    const t = linear(b, 'time_emb_proj', silu(b, c.temb), cfg.blockOutChannels[0]! * 4, outC);
    h = b.op('Add', [h, b.op('Unsqueeze', [t, b.constInts([2, 3])])]);
    h = silu(b, groupNorm(b, 'norm2', h, outC, cfg.normGroups, 1e-5));
    h = conv2d(b, 'conv2', h, outC, outC, { gain: 0.5 });
    const skip = inC !== outC ? conv2d(b, 'conv_shortcut', x, inC, outC, { kernel: 1 }) : x;
    return b.op('Add', [skip, h]);
  });
}

/** Transformer2DModel with one BasicTransformerBlock: attn1 (self), attn2 (cross), GEGLU */
function transformer(c: Ctx, name: string, x: string, ch: number): string {
  const { b, cfg } = c;
  return b.scope(name, () => {
    const normed = groupNorm(b, 'norm', x, ch, cfg.normGroups, 1e-6);
    let h = toTokens(b, conv2d(b, 'proj_in', normed, ch, ch, { kernel: 1 }), ch);
    h = b.scope('transformer_blocks.0', () => {
      const heads = { heads: cfg.heads, queryDim: ch };
      let t = h;
      t = b.op('Add', [attention(b, 'attn1', layerNorm(b, 'norm1', t, ch), undefined, heads), t]);
      t = b.op('Add', [attention(b, 'attn2', layerNorm(b, 'norm2', t, ch), c.context, { ...heads, contextDim: cfg.crossAttentionDim }), t]);
      const n3 = layerNorm(b, 'norm3', t, ch);
      const ff = b.scope('ff', () => {
        const proj = b.scope('net.0', () => linear(b, 'proj', n3, ch, ch * 8));
        const [val, gate] = b.opN('Split', [proj, b.constInts([ch * 4, ch * 4])], 2, { axis: A.i(-1) }) as [string, string];
        return linear(b, 'net.2', b.op('Mul', [val, gelu(b, gate)]), ch * 4, ch, true, 0.5);
      });
      return b.op('Add', [ff, t]);
    });
    const out = conv2d(b, 'proj_out', fromTokens(b, h, x), ch, ch, { kernel: 1, gain: 0.5 });
    return b.op('Add', [out, x]);
  });
}

/** sinusoidal timestep embedding, diffusers' Timesteps(flip_sin_to_cos=True, shift=0) */
function timeEmbedding(b: GraphBuilder, timestep: string, dim: number): string {
  const half = dim / 2;
  const freqs = Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
  const emb = b.scope('time_proj', () => {
    const t = b.op('Unsqueeze', [b.op('Cast', [timestep], { to: A.i(DataType.FLOAT) }), b.constInts([1])]);
    const args = b.op('Mul', [t, b.constFloats(freqs, [1, half], DataType.FLOAT)]);
    return b.op('Concat', [b.op('Cos', [args]), b.op('Sin', [args])], { axis: A.i(-1) });
  });
  const cast = b.floatType === DataType.FLOAT ? emb : b.op('Cast', [emb], { to: A.i(b.floatType) });
  return b.scope('time_embedding', () => linear(b, 'linear_2', silu(b, linear(b, 'linear_1', cast, dim, dim * 4)), dim * 4, dim * 4));
}

/**
 * UNet2DConditionModel as optimum exports it: sample [B,4,h,w], timestep int64 [B],
 * encoder_hidden_states [B,77,768] -> out_sample [B,4,h,w].
 */
export function buildUNet(cfg: UNetConfig, floatType: DataTypeId, seed: number): Model {
  const b = new GraphBuilder(floatType, seed);
  const ch = cfg.blockOutChannels;
  const sample = b.input('sample', floatType, ['batch', cfg.inChannels, 'height', 'width']);
  const timestep = b.input('timestep', DataType.INT64, ['steps']);
  const context = b.input('encoder_hidden_states', floatType, ['batch', 'sequence', cfg.crossAttentionDim]);
  const temb = timeEmbedding(b, timestep, ch[0]!);
  const c: Ctx = { b, cfg, temb, context };

  let h = conv2d(b, 'conv_in', sample, cfg.inChannels, ch[0]!);
  const skips: { t: string; ch: number }[] = [{ t: h, ch: ch[0]! }];
  let cur = ch[0]!;
  ch.forEach((out, i) =>
    b.scope(`down_blocks.${i}`, () => {
      for (let j = 0; j < cfg.layersPerBlock; j++) {
        h = resnet(c, `resnets.${j}`, h, cur, out);
        cur = out;
        if (cfg.crossAttention[i]) h = transformer(c, `attentions.${j}`, h, out);
        skips.push({ t: h, ch: out });
      }
      if (i < ch.length - 1) {
        h = b.scope('downsamplers.0', () => conv2d(b, 'conv', h, out, out, { stride: 2 }));
        skips.push({ t: h, ch: out });
      }
    }),
  );

  const last = ch[ch.length - 1]!;
  b.scope('mid_block', () => {
    h = resnet(c, 'resnets.0', h, last, last);
    h = transformer(c, 'attentions.0', h, last);
    h = resnet(c, 'resnets.1', h, last, last);
  });

  const rev = [...ch].reverse();
  const revAttn = [...cfg.crossAttention].reverse();
  let prev = last;
  rev.forEach((out, i) =>
    b.scope(`up_blocks.${i}`, () => {
      for (let j = 0; j <= cfg.layersPerBlock; j++) {
        const skip = skips.pop()!;
        const cat = b.op('Concat', [h, skip.t], { axis: A.i(1) });
        h = resnet(c, `resnets.${j}`, cat, (j === 0 ? prev : out) + skip.ch, out);
        if (revAttn[i]) h = transformer(c, `attentions.${j}`, h, out);
      }
      prev = out;
      if (i < rev.length - 1) {
        h = b.scope('upsamplers.0', () => conv2d(b, 'conv', upsampleNearest2x(b, h), out, out));
      }
    }),
  );

  h = silu(b, groupNorm(b, 'conv_norm_out', h, ch[0]!, cfg.normGroups, 1e-5));
  h = conv2d(b, 'conv_out', h, ch[0]!, cfg.outChannels, { gain: 0.3 });
  b.output('out_sample', h, floatType, ['batch', cfg.outChannels, 'height', 'width']);
  return b.model('unet');
}
