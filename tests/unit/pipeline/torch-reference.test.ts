import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../main/cli/index';
import { readSourceImage } from '../../../main/inference/image/source-image';
import { ddimSchedule, type InversionOrder } from '../../../main/inference/pipelines/ddim-schedule';
import type { DiffusionModel } from '../../../main/inference/pipelines/diffusion-model';
import { loadR2RModel, type LoadedModel } from '../../../main/inference/pipelines/load-r2r-model';
import { DEFAULT_R2R_PARAMS, runR2R } from '../../../main/inference/pipelines/r2r';

// tests/fixtures/torch-reference/make_reference.py: a tiny SD-shaped model built and exported by
// torch (1.13), and the official FashionR2R loop run on it in torch, in both inversion orders
const fixture = join(__dirname, '../../fixtures/torch-reference');
const modelDir = join(fixture, 'model');
interface Expected {
  inversionTimesteps: number[];
  generationTimesteps: number[];
  tacSteps: number;
  inversion: number[][];
  final: number[];
  pixels: string;
}
const expected = JSON.parse(readFileSync(join(fixture, 'expected.json'), 'utf8')) as { params: { steps: number; strength: number; tacRatio: number; guidance: number; prompt: string; negative: string; width: number; height: number } } & Record<InversionOrder, Expected>;
const cacheDir = mkdtempSync(join(tmpdir(), 'r2r-torch-ref-'));
let loaded: LoadedModel;

beforeAll(async () => {
  loaded = await loadR2RModel(modelDir, { cacheDir, provider: 'cpu' });
});
afterAll(async () => {
  await loaded?.model.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** the loaded model, recording the inversion's UNet inputs and the latent handed to the decoder */
function recording(model: DiffusionModel) {
  const inversionInputs: Float32Array[] = [];
  let decoded: Float32Array | undefined;
  const m: DiffusionModel = {
    ...model,
    id: model.id,
    provider: model.provider,
    encodeText: (p) => model.encodeText(p),
    vaeEncode: (x) => model.vaeEncode(x),
    vaeDecode: (x) => {
      decoded = Float32Array.from(x.data, (v) => v * model.scalingFactor);
      return model.vaeDecode(x);
    },
    unet: (call) => {
      if (call.batch === 1) inversionInputs.push(Float32Array.from(call.latents));
      return model.unet(call);
    },
    runMs: () => model.runMs(),
    dispose: async () => undefined,
  };
  return { m, inversionInputs, decoded: () => decoded! };
}

describe('the whole shot against an independent torch run of the official algorithm', () => {
  for (const order of ['official', 'ddim'] as const) {
    it(`${order} inversion: latents within 1e-4, output pixels within 1/255`, async () => {
      const want = expected[order];
      const source = await readSourceImage(join(fixture, 'render.png'));
      const p = expected.params;
      const params = { ...DEFAULT_R2R_PARAMS, steps: p.steps, strength: p.strength, tacRatio: p.tacRatio, guidance: p.guidance, prompt: p.prompt, negative: p.negative, width: p.width, height: p.height, inversion: order };
      const rec = recording(loaded.model);
      const res = await runR2R(rec.m, ddimSchedule(loaded.scheduler, p.steps, p.strength, order), { source }, params);
      expect(res.tacSteps).toBe(want.tacSteps);
      expect(res.unetCalls.filter((c) => c.stage === 'inversion').map((c) => c.timestep)).toEqual(want.inversionTimesteps);
      expect(res.unetCalls.filter((c) => c.stage === 'generation').map((c) => c.timestep)).toEqual(want.generationTimesteps);
      // every stored inversion latent: the UNet's inputs are latents 0 .. K-1
      rec.inversionInputs.forEach((x, i) => expect(maxAbsDiff(x, want.inversion[i]!), `inversion latent ${i}`).toBeLessThan(1e-4));
      expect(maxAbsDiff(rec.decoded(), want.final), 'final latent').toBeLessThan(1e-4);
      const pixels = Buffer.from(want.pixels, 'base64');
      expect(maxAbsDiff(res.image.data, pixels), 'output pixels').toBeLessThanOrEqual(1);
    });
  }

  it('the two orders differ clearly on this model', () => {
    const a = Buffer.from(expected.official.pixels, 'base64');
    const b = Buffer.from(expected.ddim.pixels, 'base64');
    let se = 0;
    for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
    const psnr = 10 * Math.log10((255 * 255) / (se / a.length));
    expect(psnr).toBeLessThan(25);
  });

  it('the torch-exported folder passes `r2r models inspect`', async () => {
    const chunks: string[] = [];
    const sink = (into: string[]) => new Writable({ write: (c, _e, cb) => (into.push(String(c)), cb()) });
    const code = await runCli(['models', 'inspect', modelDir, '--json'], { stdout: sink(chunks), stderr: sink([]) });
    expect(code).toBe(0);
    expect(chunks.join('')).toContain('attn1');
  });
});
