import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { isUserError, type UserError } from '../../../main/common/errors';
import { COMPONENT_NAMES, type ComponentName } from '../../../main/inference/models/model-folder';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { DataType } from '../../../main/inference/onnx/model';
import { GraphBuilder } from '../../../main/inference/onnx/graph-builder';
import { saveModel } from '../../../main/inference/onnx/write-model';
import { loadR2RModel } from '../../../main/inference/pipelines/load-r2r-model';
import { runCliCaptured } from '../support/cli-io';

let root: string;
let demo: string;
let cases = 0;

/** the demo folder for one damaged copy: model.onnx files copied, their weight files hard-linked (only read) */
function demoCopy(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const rel of readdirSync(demo, { recursive: true }) as string[]) {
    const from = join(demo, rel);
    if (statSync(from).isDirectory()) mkdirSync(join(dir, rel), { recursive: true });
    else if (rel.endsWith('_data')) linkSync(from, join(dir, rel));
    else copyFileSync(from, join(dir, rel));
  }
  return dir;
}

/** `y = x + x` on a float[4]: a valid ONNX file that is no Stable Diffusion component */
function foreignGraph(path: string): void {
  const b = new GraphBuilder(DataType.FLOAT, 0);
  const x = b.input('x', DataType.FLOAT, [4]);
  b.output('y', b.op('Add', [x, x]), DataType.FLOAT, [4]);
  saveModel(b.model('foreign'), path);
}

type Damage = 'empty' | 'truncated' | 'wrong-graph' | 'missing-external-data';
const DAMAGE: Record<Damage, { damage: (file: string) => void; message: (file: string) => RegExp; code: string }> = {
  empty: { damage: (f) => writeFileSync(f, ''), message: (f) => new RegExp(`^${esc(f)} is empty$`), code: 'bad-model' },
  truncated: { damage: (f) => truncateSync(f, Math.floor(statSync(f).size / 2)), message: (f) => new RegExp(`^${esc(f)} is truncated or not an ONNX model`), code: 'bad-model' },
  'wrong-graph': { damage: foreignGraph, message: (f) => new RegExp(`^${esc(f)} is not a Stable Diffusion (text encoder|UNet|VAE encoder|VAE decoder): `), code: 'model-wrong-graph' },
  'missing-external-data': { damage: (f) => rmSync(f + '_data'), message: (f) => new RegExp(`^${esc(f)}_data is missing: ${esc(f)} keeps its weights there$`), code: 'external-data-missing' },
};

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function loadError(dir: string, cacheDir: string): Promise<UserError> {
  try {
    const loaded = await loadR2RModel(dir, { cacheDir, provider: 'cpu' });
    await loaded.model.dispose();
  } catch (err) {
    if (isUserError(err)) return err;
    throw err;
  }
  throw new Error(`${dir} loaded although it is damaged`);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'r2r-checks-'));
  demo = join(root, 'demo');
  writeDemoModel(demo, { seed: 2, externalData: true });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('one set of model checks before anything is copied or loaded', () => {
  for (const damage of Object.keys(DAMAGE) as Damage[]) {
    for (const component of COMPONENT_NAMES) {
      it(`${damage} ${component}/model.onnx: refused naming the user's file, nothing copied`, async () => {
        const dir = demoCopy(`${damage}-${component}-${cases++}`);
        const file = join(dir, component, 'model.onnx');
        DAMAGE[damage].damage(file);
        const cacheDir = join(dir + '-cache');
        const err = await loadError(dir, cacheDir);
        expect(err.message).toMatch(DAMAGE[damage].message(file));
        expect(err.code).toBe(DAMAGE[damage].code);
        expect(`${err.message} ${err.hint}`).not.toContain(cacheDir);
        // the checks ran before the adaptation: the cache holds no copy
        expect(existsSync(join(cacheDir, 'adapted'))).toBe(false);
      });
    }
  }

  it('names what a wrong graph lacks, component by component', async () => {
    const expected: Record<ComponentName, RegExp> = {
      text_encoder: /text encoder: it has no input input_ids; its inputs are x \(float32, rank 1\)$/,
      unet: /UNet: it has no inputs sample, timestep, encoder_hidden_states; its inputs are x \(float32, rank 1\)$/,
      vae_encoder: /VAE encoder: input x has rank 1, where 4 is expected; its inputs are x \(float32, rank 1\)$/,
      vae_decoder: /VAE decoder: input x has rank 1, where 4 is expected; its inputs are x \(float32, rank 1\)$/,
    };
    for (const c of COMPONENT_NAMES) {
      const dir = demoCopy(`wrong-${c}-${cases++}`);
      foreignGraph(join(dir, c, 'model.onnx'));
      expect((await loadError(dir, join(root, 'cache-wrong'))).message).toMatch(expected[c]);
    }
  });

  it('refuses truncated external data, naming the data file and the tensor', async () => {
    const dir = demoCopy(`short-data-${cases++}`);
    const data = join(dir, 'unet', 'model.onnx_data');
    rmSync(data);
    writeFileSync(data, Buffer.alloc(1000));
    expect((await loadError(dir, join(root, 'cache-short'))).message).toMatch(new RegExp(`^${esc(data)} is truncated: tensor .* needs bytes`));
  });

  it('models inspect reports the same problem and exits 1; generate refuses before copying, naming the user file', async () => {
    const dir = demoCopy(`inspect-${cases++}`);
    foreignGraph(join(dir, 'vae_decoder', 'model.onnx'));
    const inspect = await runCliCaptured(['models', 'inspect', dir]);
    expect(inspect.code).toBe(1);
    expect(inspect.out).toMatch(/vae_decoder: .*\n {2}in {2}x float32 \[4\]\n {2}out y float32 \[4\]\n {2}problem: input x has rank 1, where 4 is expected/);
    expect(inspect.out).toMatch(/not usable: .*vae_decoder\/model\.onnx cannot serve as its component/);
    expect((await runCliCaptured(['models', 'inspect', demo])).code).toBe(0);

    // the case: an empty VAE decoder passed generate's checks and failed in onnxruntime on the cache copy
    const empty = demoCopy(`generate-empty-${cases++}`);
    writeFileSync(join(empty, 'vae_decoder', 'model.onnx'), '');
    const input = join(root, 'render.png');
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 100, b: 50 } } }).png().toFile(input);
    const cacheDir = join(root, 'generate-cache');
    const r = await runCliCaptured(['generate', '--model', empty, '--input', input, '--out', join(root, 'shot.png'), '--width', '64', '--height', '64', '--cache-dir', cacheDir, '--provider', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(empty, 'vae_decoder', 'model.onnx')} is empty`);
    expect(r.err).not.toContain(cacheDir);
    expect(existsSync(join(cacheDir, 'adapted'))).toBe(false);
    expect(existsSync(join(root, 'shot.png'))).toBe(false);
  });
});

describe('what onnxruntime refuses after our checks pass', () => {
  it('names the user file, keeps onnxruntime\'s text as the detail, and does not suggest the CPU to a CPU run', async () => {
    const dir = demoCopy(`ort-refuses-${cases++}`);
    // the right inputs and outputs, an operator onnxruntime does not have
    const b = new GraphBuilder(DataType.FLOAT, 0);
    const x = b.input('latent_sample', DataType.FLOAT, [1, 4, 'h', 'w']);
    b.output('sample', b.op('NoSuchOperator', [x]), DataType.FLOAT, [1, 3, 'H', 'W']);
    saveModel(b.model('odd'), join(dir, 'vae_decoder', 'model.onnx'));
    const cacheDir = join(root, 'ort-cache');
    const err = await loadError(dir, cacheDir);
    expect(err.code).toBe('model-load-failed');
    expect(err.message).toBe(`The VAE decoder (${join(dir, 'vae_decoder', 'model.onnx')}) could not be loaded with the cpu provider.`);
    expect(err.hint).toMatch(/onnxruntime said: .*NoSuchOperator/);
    expect(err.hint).not.toMatch(/--provider cpu/);
    expect(`${err.message} ${err.hint}`).not.toContain(join(cacheDir, 'adapted'));
  });
});

describe('onnxruntime hints', () => {
  it('offer the CPU only to a run on another provider, and keep the first line of onnxruntime\'s text', async () => {
    const { onnxruntimeHint } = await import('../../../main/inference/runtime/onnxruntime-hint');
    const err = new Error('Load model from /cache/x/model.onnx failed: bad graph\nstack line');
    expect(onnxruntimeHint(err, 'cuda', 'Export it again', '/cache/x/model.onnx')).toBe('Export it again, or try --provider cpu. onnxruntime said: bad graph');
    expect(onnxruntimeHint(err, 'cpu', 'Export it again')).toBe('Export it again. onnxruntime said: Load model from /cache/x/model.onnx failed: bad graph');
  });
});
