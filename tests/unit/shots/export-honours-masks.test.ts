// one path from a library render to a shot: `r2r export --generate` goes through the same shot
// service as the studio's Generate job, so it applies the render's stored edit mask and records
// the same params for the same settings
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration, listGenerations, openLibrary, searchGarments, setMask, writeSampleLibrary } from '../../../main/catalog/index';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { runJobHere } from '../../../main/jobs/run-here';
import { generateJob } from '../../../main/jobs/kinds/generate-job';
import { releaseCachedModel } from '../../../main/shots/index';
import { runExport } from '../support/run-export';

const W = 64;
const H = 80;
// white (may change) on the left 16 columns; the mask's soft edge reaches 8 px inside it, so
// every pixel from column 24 on must be the render's, bit for bit
const MASKED_COLUMNS = 16;
const KEPT_FROM = 24;

const dir = mkdtempSync(join(tmpdir(), 'r2r-shots-masks-'));
const libDir = join(dir, 'lib');
const modelDir = join(dir, 'tiny-demo');
const cacheDir = join(dir, 'cache');

async function rgb(file: string): Promise<Buffer> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([W, H]);
  return data;
}

beforeAll(async () => {
  process.env.R2R_CACHE_DIR = cacheDir;
  await writeSampleLibrary(libDir, { garments: 1, colorways: 1, views: ['front'], width: W, height: H });
  writeDemoModel(modelDir, { seed: 5 });
  const mask = Buffer.alloc(W * H, 0);
  for (let y = 0; y < H; y++) mask.fill(255, y * W, y * W + MASKED_COLUMNS);
  const png = await sharp(mask, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer();
  const lib = openLibrary(libDir);
  try {
    // the export picks one render of the view (the raytraced one): every render carries the mask
    for (const r of searchGarments(lib, {}).garments[0]!.renders) await setMask(lib, r.id, 'edit', png);
  } finally {
    lib.close();
  }
});

afterAll(async () => {
  await releaseCachedModel();
  delete process.env.R2R_CACHE_DIR;
  rmSync(dir, { recursive: true, force: true });
});

describe('r2r export --generate through the shot service', () => {
  it("keeps the pixels outside the render's edit mask exact and records the studio's params", async () => {
    const run = await runExport(['--library', libDir, '--out', join(dir, 'out'), '--size', '1000', '--generate', 'missing', '--model', modelDir, '--gen-size', '64', '--steps', '10', '--cache-dir', cacheDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.at(-1)).toMatchObject({ event: 'summary', done: 1, failed: 0, missing: 0 });

    const lib = openLibrary(libDir);
    try {
      const [exported] = listGenerations(lib, { status: 'done' });
      expect(exported).toBeDefined();
      const render = searchGarments(lib, {}).garments[0]!.renders.find((r) => r.id === exported!.renderId)!;
      const out = await rgb(join(libDir, exported!.outputPath!));
      const src = await rgb(join(libDir, render.path));
      let keptDiffer = 0;
      let maskedChanged = 0;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const i = 3 * (y * W + x);
          const same = out[i] === src[i] && out[i + 1] === src[i + 1] && out[i + 2] === src[i + 2];
          if (x >= KEPT_FROM && !same) keptDiffer++;
          if (x < MASKED_COLUMNS - 8 && !same) maskedChanged++;
        }
      expect(keptDiffer).toBe(0);
      // the shot did change the render where the mask allows it
      expect(maskedChanged).toBeGreaterThan(0);

      // the studio's Generate with the same settings records the same params, less the export's tag
      const studio = await runJobHere(generateJob, {
        library: libDir,
        renderId: exported!.renderId,
        model: modelDir,
        steps: 10,
        strength: 0.3,
        tacRatio: 0.9,
        tacLevels: 2,
        guidance: 7.5,
        seed: 1,
        prompt: '',
        negative: { kind: 'prompt', text: '' },
        maxSide: 64,
      });
      const fromStudio = getGeneration(lib, studio.generationId);
      const { exportJob, ...exportParams } = exported!.params;
      expect(exportJob).toBe(run.lines.at(-1)!.jobId);
      expect(exportParams).toEqual(fromStudio.params);
      expect(fromStudio.params).toMatchObject({ mode: 'r2r', steps: 10, maxSide: 64, renderId: exported!.renderId, modelDir });
      expect(exported!.model).toBe(fromStudio.model);
      // the same settings on the same render: the same image
      expect(fromStudio.output).toBe(exported!.output);
    } finally {
      lib.close();
    }
  });
});
