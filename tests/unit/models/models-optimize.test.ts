import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../main/cli/index';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { readSourceImage } from '../../../main/inference/image/source-image';
import { readModel } from '../../../main/inference/onnx/read-model';
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
    expect(readModel(join(fused, 'unet', 'model.onnx')).graph.nodes.filter((n) => n.opType === 'MultiHeadAttention')).toHaveLength(14);
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
