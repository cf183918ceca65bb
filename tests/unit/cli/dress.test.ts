import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { readSourceImage } from '../../../main/inference/image/source-image';
import { BODY_LAYOUT } from '../../../main/shots/outfit-layout';
import { encodePng } from '../pipeline/png-encode';
import { runCliCaptured } from '../support/cli-io';

const dir = mkdtempSync(join(tmpdir(), 'r2r-dress-cli-'));
const model = join(dir, 'model');
const cache = join(dir, 'cache');

function png(name: string, w: number, h: number, f: (i: number) => number): string {
  const path = join(dir, name);
  writeFileSync(path, encodePng({ width: w, height: h, colour: 'rgb', depth: 8, samples: Array.from({ length: w * h * 3 }, (_, i) => f(i) % 256) }));
  return path;
}

beforeAll(() => {
  writeDemoModel(model, { seed: 5 });
  png('shirt.png', 64, 64, (i) => (i * 37) % 251);
  png('jeans.png', 64, 96, (i) => (i * 7) % 199);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = (out: string) => ['dress', '--model', model, '--garment', join(dir, 'shirt.png'), '--garment', join(dir, 'jeans.png'), '--role', 'top', '--role', 'bottom', '--prompt', 'a person standing', '--out', out, '--width', '64', '--height', '96', '--steps', '3', '--cache-dir', cache, '--provider', 'cpu'];

describe('r2r dress', () => {
  it('dresses two garments on the demo model: a PNG and a JSON report with the regions and the sample-evaluations', async () => {
    const out = join(dir, 'dressed.png');
    const res = await runCliCaptured([...base(out), '--json']);
    expect(res.err).not.toMatch(/error/i);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.out);
    expect(report.output).toBe(out);
    expect(report.regions).toEqual([
      { name: 'shirt', role: 'top', box: BODY_LAYOUT.top },
      { name: 'jeans', role: 'bottom', box: BODY_LAYOUT.bottom },
    ]);
    // 3 inversion calls of the 2 garments + 3 generation calls of [negative, conditional, shirt, jeans]
    expect([report.unetCalls, report.rowsPerCall, report.sampleEvaluations]).toEqual([6, 4, 3 * 2 + 3 * 4]);
    // one shot per garment: 3 x 1 inversion rows + 3 x 3 generation rows each
    expect(report.separateShotsSampleEvaluations).toBe(2 * (3 + 9));
    expect([report.mode, report.width, report.height, report.steps, report.seed]).toEqual(['txt2img', 64, 96, 3, 1]);
    const img = await readSourceImage(out);
    expect([img.width, img.height]).toEqual([64, 96]);
  });

  it('takes a JSON layout, prints a text report, and refuses bad input before loading the model', async () => {
    const out = join(dir, 'layout.png');
    const layout = JSON.stringify([{ x: 0.1, y: 0.1, w: 0.8, h: 0.4 }, null]);
    const res = await runCliCaptured([...base(out), '--layout', layout]);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/shirt \(top\): x 0.1 y 0.1 w 0.8 h 0.4/);
    expect(res.out).toMatch(/18 sample-evaluations \(2 separate shots: 24\)/);
    const bad = await runCliCaptured([...base(join(dir, 'bad.png')), '--layout', '[{"x":0.5,"y":0,"w":0.7,"h":0.2}, null]']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/reaches past the canvas/);
    const roles = await runCliCaptured(['dress', '--model', model, '--garment', join(dir, 'shirt.png'), '--role', 'hat', '--prompt', 'p', '--out', join(dir, 'r.png')]);
    expect(roles.err).toMatch(/role must be one of top, bottom, outer, dress, shoes/);
    expect(readFileSync(join(dir, 'dressed.png')).length).toBeGreaterThan(0);
  });
});
