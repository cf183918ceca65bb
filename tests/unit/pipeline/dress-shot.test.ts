import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { readSourceImage } from '../../../main/inference/image/source-image';
import { dressSampleEvaluations, makeDressShot, type DressShotRequest } from '../../../main/shots/index';
import { encodePng } from './png-encode';

const dir = mkdtempSync(join(tmpdir(), 'r2r-dress-shot-'));

function png(name: string, w: number, h: number, f: (i: number) => number): string {
  const path = join(dir, name);
  writeFileSync(path, encodePng({ width: w, height: h, colour: 'rgb', depth: 8, samples: Array.from({ length: w * h * 3 }, (_, i) => f(i) % 256) }));
  return path;
}

beforeAll(() => {
  writeDemoModel(join(dir, 'model'), { seed: 5 });
  png('coat.png', 64, 64, (i) => (i * 37) % 251);
  png('render.png', 64, 96, (i) => (i * 13) % 256);
  // white over the upper half of the 64 x 96 render
  png('coat-mask.png', 64, 96, (i) => (Math.floor(i / 3 / 64) < 48 ? 255 : 0));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const requestFor = (over: Partial<DressShotRequest>): DressShotRequest => ({
  modelDir: join(dir, 'model'),
  garments: [{ image: join(dir, 'coat.png'), role: 'outer', mask: join(dir, 'coat-mask.png'), fidelity: 0.7 }],
  prompt: 'a person',
  output: join(dir, 'out.png'),
  steps: 10,
  cacheDir: join(dir, 'cache'),
  provider: 'cpu',
  ...over,
});

describe('makeDressShot', () => {
  it('translates an outfit render with a masked garment: R2R rows plus the garment, the render size kept, previews reported', async () => {
    const previews: number[] = [];
    const { output, report } = await makeDressShot(requestFor({ render: join(dir, 'render.png'), strength: 0.5, width: 64, height: 96 }), { onPreview: (_p, step) => previews.push(step) });
    expect(existsSync(output)).toBe(true);
    const img = await readSourceImage(output);
    expect([img.width, img.height]).toEqual([64, 96]);
    expect(report.mode).toBe('render');
    expect(report.regions).toEqual([{ name: 'coat', role: 'outer', box: expect.any(Object), mask: join(dir, 'coat-mask.png') }]);
    // K = 5 of 10 steps, TAC on 4: [reference, negative, conditional, coat] then [negative, conditional, coat]
    expect(report.sampleEvaluations).toBe(dressSampleEvaluations(5, 4, 1, true));
    expect(report.sampleEvaluations).toBe(5 * 2 + 4 * 4 + 1 * 3);
    expect([report.rowsPerCall, report.unetCalls]).toEqual([4, 10]);
    expect(previews).toEqual([5]);
  });

  it('reads a mask at the canvas size without a render; refuses one of another aspect', async () => {
    await expect(makeDressShot(requestFor({ width: 64, height: 64, output: join(dir, 'square.png') }))).rejects.toThrow(/garment 1 mask .* is 64x96 but the input image is 64x64/);
  });

  it('refuses bad requests with clear errors before loading the model', async () => {
    const never = join(dir, 'never');
    const request = (over: Partial<DressShotRequest>) => requestFor({ cacheDir: never, ...over });
    await expect(makeDressShot(request({ garments: [] }))).rejects.toThrow(/at least one garment/);
    await expect(makeDressShot(request({ garments: [{ image: join(dir, 'missing.png'), role: 'top' }] }))).rejects.toThrow(/garment 1/);
    await expect(makeDressShot(request({ garments: [{ image: join(dir, 'coat.png'), role: 'top', fidelity: 2 }] }))).rejects.toThrow(/fidelity must be from 0 to 1/);
    await expect(makeDressShot(request({ strength: 0.5 }))).rejects.toThrow(/needs --render/);
    await expect(makeDressShot(request({ prompt: ' ' }))).rejects.toThrow(/needs a prompt/);
    expect(existsSync(never)).toBe(false);
  });
});
