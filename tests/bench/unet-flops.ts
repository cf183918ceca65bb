import type { UNetConfig } from '../../main/inference/models/demo/unet';

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
