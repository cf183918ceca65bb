import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDemoModel, buildDemoComponent } from '../../../main/inference/models/demo/demo-model';
import { inspectModelFolder } from '../../../main/inference/models/inspect';
import { adaptModelFolder, adaptedCopyIsCurrent, ADAPTED_MARKER } from '../../../main/inference/models/adapt-folder';
import { saveModel } from '../../../main/inference/onnx/write-model';
import { A, GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { DataType } from '../../../main/inference/onnx/model';
import { runCli } from '../../../main/cli/index';
import { cliIo as cli } from '../support/cli-io';
import { i64, maxAbsDiff, session, unetFeeds, f32 } from '../onnx/ort-helpers';

/**
 * a copy of the demo folder for one error path: the model.onnx files are copied (tests
 * truncate or replace them), the weight files beside them are hard links (only read)
 */
function demoCopy(demo: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const rel of readdirSync(demo, { recursive: true }) as string[]) {
    const from = join(demo, rel);
    if (statSync(from).isDirectory()) mkdirSync(join(dir, rel), { recursive: true });
    else if (rel.endsWith('_data')) linkSync(from, join(dir, rel));
    else copyFileSync(from, join(dir, rel));
  }
  return dir;
}

describe('model folders: inspect and adapt', () => {
  let root: string;
  let demo: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'r2r-folder-'));
    demo = join(root, 'demo');
    writeDemoModel(demo, { seed: 4, externalData: true });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('inspects every component from structure only', async () => {
    const t = cli();
    expect(await runCli(['models', 'inspect', demo, '--json'], t.io)).toBe(0);
    const info = JSON.parse(t.out());
    const unet = info.components.find((c: { name: string }) => c.name === 'unet');
    expect(unet).toMatchObject({
      opset: 17,
      precision: 'float32',
      fusedAttention: false,
      inputs: [
        { name: 'sample', dtype: 'float32', shape: ['batch', 4, 'height', 'width'] },
        { name: 'timestep', dtype: 'int64', shape: ['steps'] },
        { name: 'encoder_hidden_states', dtype: 'float32', shape: ['batch', 'sequence', 768] },
      ],
      outputs: [{ name: 'out_sample', dtype: 'float32', shape: ['batch', 4, 'height', 'width'] }],
      crossAttentionLayers: 7,
    });
    expect(unet.attn1ByLevel.map((l: { level: number; layers: string[] }) => [l.level, l.layers.length])).toEqual([[0, 3], [1, 3], [2, 1]]);
    expect(unet.dataFiles).toEqual([join(demo, 'unet', 'model.onnx_data')]);
    expect(unet.bytesOnDisk).toBe(statSync(join(demo, 'unet', 'model.onnx')).size + statSync(join(demo, 'unet', 'model.onnx_data')).size);
    const te = info.components.find((c: { name: string }) => c.name === 'text_encoder');
    expect(te.tokenEmbedding).toEqual({ vocabSize: 49408, hidden: 768 });
    expect(info).toMatchObject({ tokenizer: true, scheduler: true });
  });

  it('adapts a folder into a copy whose UNet matches the original with identity indices', async () => {
    const out = join(root, 'adapted');
    const t = cli();
    expect(await runCli(['models', 'adapt', demo, '--out', out, '--json'], t.io)).toBe(0);
    const report = JSON.parse(t.out());
    expect(report.tac.levels).toEqual([0, 1]);
    expect(report.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(readFileSync(join(out, ADAPTED_MARKER), 'utf8')).fingerprint).toBe(report.fingerprint);
    for (const f of ['tokenizer/vocab.json', 'scheduler/scheduler_config.json', 'vae_decoder/model.onnx', 'vae_decoder/model.onnx_data', 'unet/model.onnx_data', 'unet/config.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const feeds = unetFeeds(2, 8, 8, 21);
    const a = (await (await session(join(demo, 'unet', 'model.onnx'))).run(feeds)).out_sample!.data as Float32Array;
    const b = (await (await session(join(out, 'unet', 'model.onnx'))).run({
      ...feeds,
      tac_qk_source: i64([0, 1]),
      tac_token_mask: f32(new Float32Array(2 * 64).fill(1), [2, 1, 8, 8]),
    })).out_sample!.data as Float32Array;
    expect(maxAbsDiff(a, b)).toBe(0);
    const info = inspectModelFolder(out);
    const adaptedUnet = info.components.find((c) => c.name === 'unet')!;
    expect(Object.keys(adaptedUnet.adapted)).toEqual(['r2r.adapt.tac', 'r2r.adapt.source']);
    expect(adaptedUnet.attn1ByLevel!.map((l) => l.layers.length)).toEqual([3, 3, 1]);
    expect(info.components.find((c) => c.name === 'text_encoder')!.inputs.map((v) => v.name)).toEqual(['input_ids', 'extra_token_embeddings']);
    // the copy is current while the source's content is: a touched file is hashed again and still matches
    expect(adaptedCopyIsCurrent(out)).toBe(true);
    const later = new Date(Date.now() + 5000);
    utimesSync(join(demo, 'unet', 'model.onnx'), later, later);
    expect(adaptedCopyIsCurrent(out)).toBe(true);
    expect(adaptedCopyIsCurrent(join(root, 'nothing-here'))).toBe(false);
    // one changed byte of the VAE's weights makes it stale (the copy holds its own VAE); the bytes restored, current again
    const data = join(demo, 'vae_decoder', 'model.onnx_data');
    const original = readFileSync(data);
    const edited = Buffer.from(original);
    edited[0]! ^= 1;
    writeFileSync(data, edited);
    expect(adaptedCopyIsCurrent(out)).toBe(false);
    writeFileSync(data, original);
    expect(adaptedCopyIsCurrent(out)).toBe(true);
    // adapting again into the same output folder is allowed (a cache refresh); into the source is not
    expect(() => adaptModelFolder(demo, demo)).toThrow(/overlaps the source folder/);
  });

  it('refuses what is not a model folder, naming it', async () => {
    const notModel = join(root, 'photos');
    mkdirSync(notModel);
    writeFileSync(join(notModel, 'a.txt'), 'hello');
    expect(() => inspectModelFolder(notModel)).toThrow(/photos is not a Stable Diffusion ONNX folder/);
    const t = cli();
    expect(await runCli(['models', 'inspect', join(root, 'nowhere')], t.io)).toBe(1);
    expect(t.err()).toMatch(/nowhere does not exist/);
    expect(() => inspectModelFolder(join(notModel, 'a.txt'))).toThrow(/a\.txt is a file, not a model folder/);
  });

  it('names a missing component', () => {
    const dir = join(root, 'only-unet');
    mkdirSync(join(dir, 'unet'), { recursive: true });
    saveModel(buildDemoComponent('vae_decoder'), join(dir, 'unet', 'model.onnx'));
    expect(() => inspectModelFolder(dir)).toThrow(/only-unet\/text_encoder\/model\.onnx is missing: the model folder has no text_encoder/);
  });

  it('names a truncated model file', () => {
    const dir = demoCopy(demo, join(root, 'truncated'));
    truncateSync(join(dir, 'unet', 'model.onnx'), 3000);
    expect(() => inspectModelFolder(dir)).toThrow(/truncated\/unet\/model\.onnx is truncated or not an ONNX model/);
  });

  it('names an unsupported opset', () => {
    const dir = demoCopy(demo, join(root, 'old-opset'));
    const m = buildDemoComponent('vae_decoder');
    m.opsetImport = [{ domain: '', version: 6 }];
    saveModel(m, join(dir, 'vae_encoder', 'model.onnx'));
    expect(() => inspectModelFolder(dir)).toThrow(/old-opset\/vae_encoder\/model\.onnx uses ONNX opset 6; R2R Studio runs opsets 7 to 26/);
  });

  it('reports fused attention and refuses to adapt it, naming the UNet file and the export to use', async () => {
    const dir = demoCopy(demo, join(root, 'fused'));
    const b = new GraphBuilder(DataType.FLOAT, 0);
    const x = b.input('sample', DataType.FLOAT, [1, 4, 16, 8]);
    b.input('timestep', DataType.INT64, [1]);
    b.input('encoder_hidden_states', DataType.FLOAT, [1, 77, 768]);
    b.output('out_sample', b.opN('PackedAttention', [x, x, x], 1, { num_heads: A.i(2) }, 'com.microsoft')[0]!, DataType.FLOAT, [1, 16, 8]);
    const fused = b.model('fused');
    fused.opsetImport.push({ domain: 'com.microsoft', version: 1 });
    saveModel(fused, join(dir, 'unet', 'model.onnx'));
    const unet = inspectModelFolder(dir).components.find((c) => c.name === 'unet')!;
    expect([unet.fusedAttention, unet.fusedAttentionNodes, unet.attn1ByLevel]).toEqual([true, 1, undefined]);
    const t = cli();
    expect(await runCli(['models', 'adapt', dir, '--out', join(root, 'fused-out')], t.io)).toBe(1);
    expect(t.err()).toMatch(/fused\/unet\/model\.onnx: attention is fused into PackedAttention nodes in a form/);
    expect(t.err()).toMatch(/use an unfused export: `optimum-cli export onnx/);
  });

  it('demo-model rejects an unknown size', async () => {
    const t = cli();
    expect(await runCli(['demo-model', join(root, 'x'), '--size', 'huge'], t.io)).toBe(1);
    expect(t.err()).toMatch(/--size must be tiny or sd15, got 'huge'/);
  });
});
