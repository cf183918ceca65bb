import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../main/cli/index';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { readSourceImage } from '../../../main/inference/image/source-image';
import { parseRegions } from '../../../main/inference/pipelines/regions-file';
import { encodePng } from './png-encode';

const dir = mkdtempSync(join(tmpdir(), 'r2r-regions-cli-'));
const modelDir = join(dir, 'tiny');
const W = 64;
const H = 64;

function sink(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(c, _e, cb) {
      chunks.push(Buffer.from(c));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => Buffer.concat(chunks).toString('utf8');
  return w;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(args, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function greyPng(path: string, white: (x: number, y: number) => boolean): void {
  const px: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) px.push(white(x, y) ? 255 : 0);
  writeFileSync(path, encodePng({ width: W, height: H, colour: 'grey', depth: 8, samples: px }));
}

const generate = (regions: string, out: string) => ['generate', '--model', modelDir, '--input', join(dir, 'render.png'), '--out', join(dir, out), '--width', '64', '--height', '64', '--steps', '20', '--provider', 'cpu', '--cache-dir', join(dir, 'cache'), '--json', '--regions', regions];

beforeAll(() => {
  writeDemoModel(modelDir, { seed: 3 });
  const px: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) px.push(128 + Math.round(100 * Math.sin(x / 5)), 128 + Math.round(100 * Math.cos(y / 7)), (x * y) % 256);
  writeFileSync(join(dir, 'render.png'), encodePng({ width: W, height: H, colour: 'rgb', depth: 8, samples: px }));
  mkdirSync(join(dir, 'masks'));
  greyPng(join(dir, 'masks', 'face.png'), (x, y) => x >= 32 && y < 32);
  greyPng(join(dir, 'masks', 'bg.png'), (_x, y) => y >= 32);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('r2r generate --regions', () => {
  it('runs the regions of a JSON file (masks relative to it) and reports each region', async () => {
    const file = join(dir, 'masks', 'regions.json');
    writeFileSync(file, JSON.stringify([{ mask: 'face.png', strength: 0.5, tac: 0, prompt: 'photo of a person' }, { mask: 'bg.png', strength: 0, name: 'background' }]));
    const r = await cli(generate(file, 'shot.png'));
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    // the rest (top-left quarter) takes the shot's settings: 20 x 0.3 = 6 steps, TAC on 5
    expect(report.regions.map((x: { name: string; k: number; tacSteps: number }) => [x.name, x.k, x.tacSteps])).toEqual([
      ['rest', 6, 5],
      ['region 1', 10, 0],
      ['background', 0, 0],
    ]);
    expect(report.k).toBe(10);
    const src = await readSourceImage(join(dir, 'render.png'));
    const shot = await readSourceImage(join(dir, 'shot.png'));
    const bottom = (img: { data: Uint8Array | Uint16Array }) => Array.from(img.data.slice(32 * W * 3));
    expect(bottom(shot)).toEqual(bottom(src));
    expect(Array.from(shot.data.slice(0, 32 * W * 3))).not.toEqual(Array.from(src.data.slice(0, 32 * W * 3)));
  });

  it('refuses a bad regions file naming the entry and the field', async () => {
    const bad = async (content: string, pattern: RegExp) => {
      const file = join(dir, 'masks', 'bad.json');
      writeFileSync(file, content);
      const r = await cli(generate(file, 'bad.png'));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(pattern);
    };
    await bad('{"mask": "face.png"}', /must hold a JSON array of regions, got object/);
    await bad('[{"mask": "face.png"}, {"strength": 0}]', /region 2 needs "mask"/);
    await bad('[{"mask": "face.png", "strenght": 0.4}]', /region 1 has unknown field "strenght"/);
    await bad('[{"mask": "face.png", "strength": 2}]', /region 1: strength must be a number in \[0, 1\], got 2/);
    await bad('[{"mask": "face.png", "tac": "high"}]', /region 1: tac must be a number in \[0, 1\], got high/);
    await bad('[{"mask": "missing.png"}]', /mask of region 1/);
    await bad('[oops', /is not valid JSON/);
    const missing = await cli(generate(join(dir, 'none.json'), 'bad.png'));
    expect(missing.stderr).toMatch(/regions file .*none\.json could not be read \(ENOENT\)/);
  });

  it('resolves mask paths against the file and keeps absolute ones', () => {
    const regions = parseRegions([{ mask: 'a/face.png', tacRatio: 0.5 }, { mask: '/abs/bg.png', name: 'bg', guidance: 3 }], '/base');
    expect(regions).toEqual([
      { mask: '/base/a/face.png', tacRatio: 0.5 },
      { name: 'bg', mask: '/abs/bg.png', guidance: 3 },
    ]);
  });
});
