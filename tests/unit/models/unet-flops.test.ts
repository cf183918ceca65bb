import { describe, expect, it } from 'vitest';
import { buildDemoComponent } from '../../../main/inference/models/demo/demo-model';
import { SD15_UNET, TINY_UNET } from '../../../main/inference/models/demo/unet';
import { DataType } from '../../../main/inference/onnx/model';
import { session, unetFeeds } from '../onnx/ort-helpers';
import { unetFlopsPerSample } from '../../bench/unet-flops';

/** the same count taken from the graph itself: every MatMul and Conv with the shapes onnxruntime computes */
async function countFromGraph(h: number, w: number): Promise<number> {
  const m = buildDemoComponent('unet', { seed: 1 });
  const dims = new Map(m.graph.initializers.map((t) => [t.name, t.dims]));
  const watched = m.graph.nodes.filter((n) => n.opType === 'MatMul' || n.opType === 'Conv');
  const names = new Set(watched.flatMap((n) => [n.inputs[0]!, n.outputs[0]!]).filter((t) => !m.graph.inputs.some((v) => v.name === t)));
  for (const name of names) m.graph.outputs.push({ name, elemType: DataType.FLOAT, shape: undefined });
  const feeds = unetFeeds(1, h, w, 2);
  const out = await (await session(m)).run(feeds);
  const shape = (t: string) => (out[t] ?? feeds[t])!.dims as number[];
  let flops = 0;
  for (const n of watched) {
    const o = shape(n.outputs[0]!).reduce((a, b) => a * b, 1);
    if (n.opType === 'MatMul') flops += 2 * o * shape(n.inputs[0]!).at(-1)!;
    else {
      const [, cin, kh, kw] = dims.get(n.inputs[1]!)!;
      flops += 2 * o * cin! * kh! * kw!;
    }
  }
  return flops;
}

describe('unetFlopsPerSample (the GPU script\'s FLOP count)', () => {
  it('equals the count of the tiny demo UNet graph at two latent sizes', async () => {
    for (const [h, w] of [[8, 8], [8, 12]] as const) {
      expect(unetFlopsPerSample(TINY_UNET, h, w)).toBe(await countFromGraph(h, w));
    }
  });

  it('gives the SD 1.5 UNet about 0.8 TFLOP per sample at 512x512 and about 3.1 at 768x1024 (attention grows with the square of 12,288 tokens)', () => {
    // published estimates for SD 1.5's UNet at 512x512: roughly 0.4 T multiply-adds
    expect(unetFlopsPerSample(SD15_UNET, 64, 64) / 1e12).toBeGreaterThan(0.7);
    expect(unetFlopsPerSample(SD15_UNET, 64, 64) / 1e12).toBeLessThan(0.9);
    const big = unetFlopsPerSample(SD15_UNET, 128, 96) / 1e12;
    expect(big).toBeGreaterThan(2.8);
    expect(big).toBeLessThan(3.4);
  });
});
