import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../main/cli/index';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { readSourceImage } from '../../../main/inference/image/source-image';
import * as ort from 'onnxruntime-node';
import { readModel } from '../../../main/inference/onnx/read-model';
import { DataType } from '../../../main/inference/onnx/model';
import { floatToHalfBits, halfBitsToFloat } from '../../../main/inference/onnx/float16';
import { maxAbsDiff, session, unetFeeds } from '../onnx/ort-helpers';
import { encodePng } from '../pipeline/png-encode';

const dir = mkdtempSync(join(tmpdir(), 'r2r-optimize-'));
const plain = join(dir, 'tiny');
const fused = join(dir, 'tiny-fused');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const text = { out: '', err: '' };
  const sink = (key: 'out' | 'err') =>
    new Writable({
      write(c, _e, cb) {
        text[key] += String(c);
        cb();
      },
    });
  const code = await runCli(args, { stdout: sink('out'), stderr: sink('err') });
  return { code, stdout: text.out, stderr: text.err };
}

beforeAll(() => {
  writeDemoModel(plain, { seed: 3 });
  const px: number[] = [];
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) px.push(128 + Math.round(100 * Math.sin(x / 5)), 128 + Math.round(100 * Math.cos(y / 7)), (x * y) % 256);
  writeFileSync(join(dir, 'render.png'), encodePng({ width: 64, height: 64, colour: 'rgb', depth: 8, samples: px }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('r2r models optimize', () => {
  it('fuses the demo model and the copy renders the same shot as the original within 1/255', async () => {
    const r = await cli(['models', 'optimize', plain, '--out', fused, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.components.unet.fused).toHaveLength(14);
    expect(report.components.text_encoder.fused).toEqual([]);
    // the demo exports LayerNormalization already; its GEGLUs' erf GELUs are fused
    expect(report.components.unet.norms).toMatchObject({ layerNorms: 0, gelus: 7, skipped: [] });
    expect(report.components.vae_decoder.norms.groupNorms.left).toBeGreaterThan(0);
    const fusedUnet = readModel(join(fused, 'unet', 'model.onnx'));
    expect(fusedUnet.graph.nodes.filter((n) => n.opType === 'MultiHeadAttention')).toHaveLength(14);
    expect(fusedUnet.graph.nodes.filter((n) => n.domain === 'com.microsoft' && n.opType === 'Gelu')).toHaveLength(7);
    expect(fusedUnet.graph.nodes.some((n) => n.opType === 'Erf')).toBe(false);
    expect(readModel(join(plain, 'unet', 'model.onnx')).graph.nodes.some((n) => n.opType === 'MultiHeadAttention')).toBe(false);
    expect(readdirSync(fused).sort()).toEqual([...readdirSync(plain), 'r2r_optimized.json'].sort());

    const shot = (model: string, name: string) =>
      cli(['generate', '--model', model, '--input', join(dir, 'render.png'), '--out', join(dir, name), '--width', '64', '--height', '64', '--steps', '10', '--cache-dir', join(dir, `cache-${name}`), '--provider', 'cpu', '--json']);
    const [a, b] = [await shot(plain, 'plain.png'), await shot(fused, 'fused.png')];
    expect([a.code, b.code]).toEqual([0, 0]);
    const imgA = await readSourceImage(join(dir, 'plain.png'));
    const imgB = await readSourceImage(join(dir, 'fused.png'));
    let worst = 0;
    for (let i = 0; i < imgA.data.length; i++) worst = Math.max(worst, Math.abs(imgA.data[i]! - imgB.data[i]!));
    expect(imgA.data.length).toBe(imgB.data.length);
    expect(worst).toBeLessThanOrEqual(1);
  }, 120_000);

  it('--fp16: float16 weights and compute with float32 kept where SD needs it; the shot stays close to float32', async () => {
    const half = join(dir, 'tiny-fp16');
    const r = await cli(['models', 'optimize', plain, '--out', half, '--fp16', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.components.text_encoder.fp16.keptFloat32).toHaveLength(1);
    expect(report.components.vae_decoder.fp16.keptFloat32.length).toBeGreaterThan(0);
    for (const c of ['unet', 'text_encoder', 'vae_encoder', 'vae_decoder']) {
      const m = readModel(join(half, c, 'model.onnx'));
      const floats = m.graph.initializers.filter((t) => t.dataType === DataType.FLOAT);
      const halves = m.graph.initializers.filter((t) => t.dataType === DataType.FLOAT16);
      expect(halves.length).toBeGreaterThan(floats.length);
      expect(m.graph.inputs.filter((v) => v.elemType === DataType.FLOAT)).toEqual([]);
    }
    const te = readModel(join(half, 'text_encoder', 'model.onnx'));
    const finalNorm = te.graph.nodes.filter((n) => n.opType === 'LayerNormalization').at(-1)!;
    expect(te.graph.initializers.find((t) => t.name === finalNorm.inputs[1])!.dataType).toBe(DataType.FLOAT);

    const unet32 = await session(join(plain, 'unet', 'model.onnx'));
    const unet16 = await session(join(half, 'unet', 'model.onnx'));
    const feeds = unetFeeds(2, 8, 8, 9);
    const toHalf = (t: ort.Tensor) => new ort.Tensor('float16', Uint16Array.from(t.data as Float32Array, floatToHalfBits), t.dims);
    const want = (await unet32.run(feeds)).out_sample!.data as Float32Array;
    const got = (await unet16.run({ ...feeds, sample: toHalf(feeds.sample!), encoder_hidden_states: toHalf(feeds.encoder_hidden_states!) })).out_sample!;
    expect(got.type).toBe('float16');
    const gotF = Array.from(got.data as Uint16Array, halfBitsToFloat);
    const scale = Math.max(...Array.from(want, Math.abs));
    expect(maxAbsDiff(gotF, want) / scale).toBeLessThan(1e-2);

    const shot = await cli(['generate', '--model', half, '--input', join(dir, 'render.png'), '--out', join(dir, 'half.png'), '--width', '64', '--height', '64', '--steps', '10', '--cache-dir', join(dir, 'cache-half'), '--provider', 'cpu', '--json']);
    expect(shot.code).toBe(0);
    const a = await readSourceImage(join(dir, 'plain.png'));
    const b = await readSourceImage(join(dir, 'half.png'));
    let sum = 0;
    for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
    console.log(`fp16 vs fp32 shot: mean abs diff ${(sum / a.data.length).toFixed(3)} of 255`);
    expect(sum / a.data.length).toBeLessThan(2);
  }, 120_000);

  it('fuses the torch export\'s decomposed LayerNorms and GELUs, and says why its GroupNorms stay', async () => {
    const out = join(dir, 'torch-fused');
    const r = await cli(['models', 'optimize', 'tests/fixtures/torch-reference/model', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the torch.onnx export's attention: attn1 + attn2 in each of 2 down, 1 mid and 2 up blocks = 10; the VAE's single-head AttnBlocks
    expect(r.stdout).toMatch(/ {2}unet: 10 attention layers fused into MultiHeadAttention, 15 LayerNorms fused into LayerNormalization, 5 GELUs fused into Gelu\n/);
    expect(r.stdout).toMatch(/ {2}vae_encoder: 1 attention layers fused into MultiHeadAttention\n/);
    expect(r.stdout).toMatch(/ {2}vae_decoder: 1 attention layers fused into MultiHeadAttention\n/);
    expect(r.stdout).toMatch(/ {2}text_encoder: attention unchanged, 3 LayerNorms fused into LayerNormalization\n/);
    expect(r.stdout).toMatch(/ {4}18 GroupNorms left as Reshape\/InstanceNormalization\/Reshape \(com\.microsoft GroupNorm has no CPU kernel/);
    const te = readModel(join(out, 'text_encoder', 'model.onnx'));
    expect(te.graph.nodes.filter((n) => n.opType === 'LayerNormalization').map((n) => n.name)).toEqual([
      '/text_model/layers.0/layer_norm1/LayerNormalization',
      '/text_model/layers.0/layer_norm2/LayerNormalization',
      '/text_model/final_layer_norm/LayerNormalization',
    ]);
    const shot = (model: string, name: string) =>
      cli(['generate', '--model', model, '--input', 'tests/fixtures/torch-reference/render.png', '--out', join(dir, name), '--width', '64', '--height', '64', '--steps', '4', '--cache-dir', join(dir, `cache-${name}`), '--provider', 'cpu', '--json']);
    const [a, b] = [await shot('tests/fixtures/torch-reference/model', 'torch-plain.png'), await shot(out, 'torch-fused.png')];
    expect([a.code, b.code]).toEqual([0, 0]);
    const imgA = await readSourceImage(join(dir, 'torch-plain.png'));
    const imgB = await readSourceImage(join(dir, 'torch-fused.png'));
    expect(imgB.data.length).toBe(imgA.data.length);
    let worst = 0;
    for (let i = 0; i < imgA.data.length; i++) worst = Math.max(worst, Math.abs(imgA.data[i]! - imgB.data[i]!));
    expect(worst).toBeLessThanOrEqual(1);
  }, 60_000);

  it('refuses a provider without a MultiHeadAttention kernel, naming both, and writes nothing', async () => {
    const out = join(dir, 'coreml');
    const r = await cli(['models', 'optimize', plain, '--out', out, '--provider', 'coreml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the coreml provider has no kernel for com\.microsoft MultiHeadAttention/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a non-empty output folder and one inside the source', async () => {
    const busy = join(dir, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'keep.txt'), 'x');
    expect((await cli(['models', 'optimize', plain, '--out', busy])).stderr).toMatch(/busy exists and is not empty/);
    expect((await cli(['models', 'optimize', plain, '--out', join(plain, 'inner')])).stderr).toMatch(/overlaps the source folder/);
    expect(readdirSync(busy)).toEqual(['keep.txt']);
  });
});
