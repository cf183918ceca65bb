import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SD15_UNET, type UNetConfig } from '../inference/models/demo/unet';
import { SD15_VAE, type VaeConfig } from '../inference/models/demo/vae';

/**
 * FLOPs of one UNet sample-evaluation (one batch row), counted from the architecture as
 * main/inference/models/demo/unet.ts builds it (diffusers' UNet2DConditionModel): 2 FLOPs per
 * multiply-add of every Conv, Linear (MatMul) and attention product (Q K^T and P V). Norms,
 * activations, softmax and adds are left out (well under 1% at SD sizes).
 */
export function unetFlopsPerSample(cfg: UNetConfig, latentH: number, latentW: number, contextTokens = 77): number {
  let flops = 0;
  const conv = (cin: number, cout: number, k: number, pixels: number) => (flops += 2 * cin * cout * k * k * pixels);
  const linear = (inF: number, outF: number, rows: number) => (flops += 2 * inF * outF * rows);
  const temb = cfg.blockOutChannels[0]! * 4;
  linear(cfg.blockOutChannels[0]!, temb, 1);
  linear(temb, temb, 1);
  const resnet = (cin: number, cout: number, px: number) => {
    conv(cin, cout, 3, px);
    linear(temb, cout, 1);
    conv(cout, cout, 3, px);
    if (cin !== cout) conv(cin, cout, 1, px);
  };
  const transformer = (ch: number, px: number) => {
    conv(ch, ch, 1, px); // proj_in
    linear(ch, ch, px * 3); // attn1 q, k, v
    flops += 2 * 2 * px * px * ch; // attn1 Q K^T and P V
    linear(ch, ch, px); // attn1 out
    linear(ch, ch, px); // attn2 q
    linear(cfg.crossAttentionDim, ch, contextTokens * 2); // attn2 k, v
    flops += 2 * 2 * px * contextTokens * ch; // attn2 Q K^T and P V
    linear(ch, ch, px); // attn2 out
    linear(ch, ch * 8, px); // GEGLU proj
    linear(ch * 4, ch, px); // ff out
    conv(ch, ch, 1, px); // proj_out
  };
  const ch = cfg.blockOutChannels;
  let h = latentH;
  let w = latentW;
  conv(cfg.inChannels, ch[0]!, 3, h * w);
  const skips: number[] = [ch[0]!];
  let cur = ch[0]!;
  ch.forEach((out, i) => {
    for (let j = 0; j < cfg.layersPerBlock; j++) {
      resnet(cur, out, h * w);
      cur = out;
      if (cfg.crossAttention[i]) transformer(out, h * w);
      skips.push(out);
    }
    if (i < ch.length - 1) {
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
      conv(out, out, 3, h * w);
      skips.push(out);
    }
  });
  const last = ch[ch.length - 1]!;
  resnet(last, last, h * w);
  transformer(last, h * w);
  resnet(last, last, h * w);
  const rev = [...ch].reverse();
  const revAttn = [...cfg.crossAttention].reverse();
  let prev = last;
  rev.forEach((out, i) => {
    for (let j = 0; j <= cfg.layersPerBlock; j++) {
      resnet((j === 0 ? prev : out) + skips.pop()!, out, h * w);
      if (revAttn[i]) transformer(out, h * w);
    }
    prev = out;
    if (i < rev.length - 1) {
      h *= 2;
      w *= 2;
      conv(out, out, 3, h * w);
    }
  });
  conv(ch[0]!, cfg.outChannels, 3, h * w);
  return flops;
}

/**
 * Attention scores of one UNet sample-evaluation: heads x queries x keys of every self-attention
 * (pixels x pixels) and cross-attention (pixels x context tokens) in the transformers, as
 * unetFlopsPerSample walks them. Each score is written by Q K^T, read and written by the
 * softmax and read by P V: at large canvases this memory traffic, not the FLOPs, is what a CPU
 * waits on (the self-attention scores grow with the square of the pixel count).
 */
export function unetAttentionScoresPerSample(cfg: UNetConfig, latentH: number, latentW: number, contextTokens = 77): number {
  const levels = cfg.blockOutChannels.length;
  const pxAt = (level: number) => Math.ceil(latentH / 2 ** level) * Math.ceil(latentW / 2 ** level);
  const transformer = (px: number) => cfg.heads * (px * px + px * contextTokens);
  let scores = transformer(pxAt(levels - 1)); // mid block
  for (let i = 0; i < levels; i++) {
    // down blocks have layersPerBlock transformers, up blocks one more
    if (cfg.crossAttention[i]) scores += (2 * cfg.layersPerBlock + 1) * transformer(pxAt(i));
  }
  return scores;
}

/** attention scores of the VAE's mid block (one head over the lowest level's pixels), in the encoder and again in the decoder */
export function vaeAttentionScores(cfg: VaeConfig, height: number, width: number): number {
  const level = cfg.blockOutChannels.length - 1;
  const px = Math.ceil(height / 2 ** level) * Math.ceil(width / 2 ** level);
  return px * px;
}

/**
 * FLOPs of the VAE's encoder and decoder for one image of `height x width` pixels, as
 * main/inference/models/demo/vae.ts builds them (diffusers' AutoencoderKL): the 3x3 and 1x1
 * convolutions and the mid block's single-head attention; norms and activations left out.
 */
export function vaeFlops(cfg: VaeConfig, height: number, width: number): { encode: number; decode: number } {
  const ch = cfg.blockOutChannels;
  const levels = ch.length;
  const conv = (cin: number, cout: number, k: number, px: number) => 2 * cin * cout * k * k * px;
  const resnet = (cin: number, cout: number, px: number) => conv(cin, cout, 3, px) + conv(cout, cout, 3, px) + (cin !== cout ? conv(cin, cout, 1, px) : 0);
  const mid = (c: number, px: number) => 2 * resnet(c, c, px) + 2 * c * c * 4 * px + 2 * 2 * px * px * c;
  const pxAt = (level: number) => Math.ceil(height / 2 ** level) * Math.ceil(width / 2 ** level);
  const last = ch[levels - 1]!;
  let encode = conv(3, ch[0]!, 3, pxAt(0));
  let cur = ch[0]!;
  ch.forEach((out, i) => {
    for (let j = 0; j < cfg.layersPerBlock; j++) {
      encode += resnet(cur, out, pxAt(i));
      cur = out;
    }
    if (i < levels - 1) encode += conv(out, out, 3, pxAt(i + 1));
  });
  encode += mid(last, pxAt(levels - 1)) + conv(last, 2 * cfg.latentChannels, 3, pxAt(levels - 1));
  let decode = conv(cfg.latentChannels, last, 3, pxAt(levels - 1)) + mid(last, pxAt(levels - 1));
  cur = last;
  [...ch].reverse().forEach((out, i) => {
    const level = levels - 1 - i;
    for (let j = 0; j <= cfg.layersPerBlock; j++) {
      decode += resnet(cur, out, pxAt(level));
      cur = out;
    }
    if (level > 0) decode += conv(out, out, 3, pxAt(level - 1));
  });
  decode += conv(ch[0]!, 3, 3, pxAt(0));
  return { encode, decode };
}

export interface ModelArchitecture {
  unet: UNetConfig;
  vae: VaeConfig;
  /** image pixels per latent pixel */
  vaeFactor: number;
  /** canvas sides must be multiples of this */
  sizeMultiple: number;
  /** false when a component's config.json was missing or unreadable and SD 1.5's stood in */
  fromConfig: boolean;
}

/** a diffusers config.json is a few hundred bytes; anything far larger is not one */
const MAX_CONFIG_BYTES = 256 * 1024;

function readConfig(file: string): Record<string, unknown> | undefined {
  try {
    if (!existsSync(file) || statSync(file).size > MAX_CONFIG_BYTES) return undefined;
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// bounds well past any SD model, so a damaged config cannot make the counts loop for long
const MAX_LEVELS = 8;
const MAX_WIDTH = 16_384;
const MAX_LAYERS = 16;
const ints = (v: unknown): number[] | undefined =>
  Array.isArray(v) && v.length > 0 && v.length <= MAX_LEVELS && v.every((x) => Number.isInteger(x) && x > 0 && x <= MAX_WIDTH) ? (v as number[]) : undefined;
const int = (v: unknown, fallback: number, max = MAX_WIDTH): number => (Number.isInteger(v) && (v as number) > 0 && (v as number) <= max ? (v as number) : fallback);

/**
 * The UNet and VAE shapes from the model folder's diffusers config.json files (what
 * optimum's ONNX export and the demo model write); a part without one is taken as SD 1.5's.
 * Only the FLOP counts of the cost estimate read this, so a bad file is no error here.
 */
export function modelArchitecture(dir: string): ModelArchitecture {
  const u = readConfig(join(dir, 'unet', 'config.json'));
  const v = readConfig(join(dir, 'vae_decoder', 'config.json')) ?? readConfig(join(dir, 'vae_encoder', 'config.json'));
  const blocks = ints(u?.block_out_channels) ?? SD15_UNET.blockOutChannels;
  const downTypes = Array.isArray(u?.down_block_types) && u.down_block_types.length === blocks.length ? (u.down_block_types as unknown[]) : undefined;
  const unet: UNetConfig = {
    blockOutChannels: blocks,
    // diffusers' default: cross-attention in every down block but the last
    crossAttention: downTypes ? downTypes.map((t) => String(t).startsWith('CrossAttn')) : blocks.map((_, i) => i < blocks.length - 1),
    layersPerBlock: int(u?.layers_per_block, SD15_UNET.layersPerBlock, MAX_LAYERS),
    heads: int(u?.attention_head_dim, SD15_UNET.heads),
    crossAttentionDim: int(u?.cross_attention_dim, SD15_UNET.crossAttentionDim),
    normGroups: int(u?.norm_num_groups, SD15_UNET.normGroups),
    inChannels: int(u?.in_channels, SD15_UNET.inChannels),
    outChannels: int(u?.out_channels, SD15_UNET.outChannels),
  };
  const vaeBlocks = ints(v?.block_out_channels) ?? SD15_VAE.blockOutChannels;
  const vae: VaeConfig = { blockOutChannels: vaeBlocks, layersPerBlock: int(v?.layers_per_block, SD15_VAE.layersPerBlock, MAX_LAYERS), latentChannels: int(v?.latent_channels, SD15_VAE.latentChannels), normGroups: int(v?.norm_num_groups, SD15_VAE.normGroups) };
  const vaeFactor = 2 ** (vaeBlocks.length - 1);
  return { unet, vae, vaeFactor, sizeMultiple: vaeFactor * 2 ** (blocks.length - 1), fromConfig: u !== undefined && v !== undefined };
}
