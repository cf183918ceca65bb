import type { GraphBuilder } from '../../onnx/graph-builder';
import { GraphBuilder as Builder } from '../../onnx/graph-builder';
import { attention, conv2d, fromTokens, groupNorm, silu, toTokens, upsampleNearest2x } from '../../onnx/layers';
import type { DataTypeId, Model } from '../../onnx/model';

/** the parts of diffusers' AutoencoderKL config that shape the graph */
export interface VaeConfig {
  blockOutChannels: number[];
  layersPerBlock: number;
  latentChannels: number;
  normGroups: number;
}

export const SD15_VAE: VaeConfig = { blockOutChannels: [128, 256, 512, 512], layersPerBlock: 2, latentChannels: 4, normGroups: 32 };
export const TINY_VAE: VaeConfig = { blockOutChannels: [16, 16, 32, 32], layersPerBlock: 1, latentChannels: 4, normGroups: 8 };

function resnet(b: GraphBuilder, cfg: VaeConfig, name: string, x: string, inC: number, outC: number): string {
  return b.scope(name, () => {
    let h = conv2d(b, 'conv1', silu(b, groupNorm(b, 'norm1', x, inC, cfg.normGroups, 1e-6)), inC, outC);
    h = conv2d(b, 'conv2', silu(b, groupNorm(b, 'norm2', h, outC, cfg.normGroups, 1e-6)), outC, outC, { gain: 0.5 });
    const skip = inC !== outC ? conv2d(b, 'conv_shortcut', x, inC, outC, { kernel: 1 }) : x;
    return b.op('Add', [skip, h]);
  });
}

/** the mid block: resnet, single-head attention over pixels, resnet */
function midBlock(b: GraphBuilder, cfg: VaeConfig, x: string, ch: number): string {
  return b.scope('mid_block', () => {
    let h = resnet(b, cfg, 'resnets.0', x, ch, ch);
    h = b.scope('attentions.0', () => {
      const normed = groupNorm(b, 'group_norm', h, ch, cfg.normGroups, 1e-6);
      const a = attention(b, '', toTokens(b, normed, ch), undefined, { heads: 1, queryDim: ch, qkvBias: true });
      return b.op('Add', [fromTokens(b, a, h), h]);
    });
    return resnet(b, cfg, 'resnets.1', h, ch, ch);
  });
}

/** vae_encoder: sample [B,3,H,W] -> latent_parameters [B,8,H/8,W/8] (mean | logvar) */
export function buildVaeEncoder(cfg: VaeConfig, floatType: DataTypeId, seed: number): Model {
  const b = new Builder(floatType, seed);
  const ch = cfg.blockOutChannels;
  const sample = b.input('sample', floatType, ['batch', 3, 'height', 'width']);
  let h = b.scope('encoder', () => {
    let x = conv2d(b, 'conv_in', sample, 3, ch[0]!);
    let cur = ch[0]!;
    ch.forEach((out, i) =>
      b.scope(`down_blocks.${i}`, () => {
        for (let j = 0; j < cfg.layersPerBlock; j++) {
          x = resnet(b, cfg, `resnets.${j}`, x, cur, out);
          cur = out;
        }
        // diffusers pads (0,1,0,1) and convolves with stride 2, no padding
        if (i < ch.length - 1) x = b.scope('downsamplers.0', () => conv2d(b, 'conv', x, out, out, { stride: 2, pads: [0, 0, 1, 1] }));
      }),
    );
    x = midBlock(b, cfg, x, cur);
    x = silu(b, groupNorm(b, 'conv_norm_out', x, cur, cfg.normGroups, 1e-6));
    return conv2d(b, 'conv_out', x, cur, 2 * cfg.latentChannels, { gain: 0.5 });
  });
  h = conv2d(b, 'quant_conv', h, 2 * cfg.latentChannels, 2 * cfg.latentChannels, { kernel: 1 });
  b.output('latent_parameters', h, floatType, ['batch', 2 * cfg.latentChannels, 'height_latent', 'width_latent']);
  return b.model('vae_encoder');
}

/** vae_decoder: latent_sample [B,4,h,w] -> sample [B,3,8h,8w] */
export function buildVaeDecoder(cfg: VaeConfig, floatType: DataTypeId, seed: number): Model {
  const b = new Builder(floatType, seed);
  const ch = [...cfg.blockOutChannels].reverse();
  const latent = b.input('latent_sample', floatType, ['batch', cfg.latentChannels, 'height_latent', 'width_latent']);
  const z = conv2d(b, 'post_quant_conv', latent, cfg.latentChannels, cfg.latentChannels, { kernel: 1 });
  const h = b.scope('decoder', () => {
    let x = conv2d(b, 'conv_in', z, cfg.latentChannels, ch[0]!);
    x = midBlock(b, cfg, x, ch[0]!);
    let cur = ch[0]!;
    ch.forEach((out, i) =>
      b.scope(`up_blocks.${i}`, () => {
        for (let j = 0; j <= cfg.layersPerBlock; j++) {
          x = resnet(b, cfg, `resnets.${j}`, x, cur, out);
          cur = out;
        }
        if (i < ch.length - 1) x = b.scope('upsamplers.0', () => conv2d(b, 'conv', upsampleNearest2x(b, x), out, out));
      }),
    );
    x = silu(b, groupNorm(b, 'conv_norm_out', x, cur, cfg.normGroups, 1e-6));
    return conv2d(b, 'conv_out', x, cur, 3, { gain: 0.5 });
  });
  b.output('sample', h, floatType, ['batch', 3, 'height', 'width']);
  return b.model('vae_decoder');
}
