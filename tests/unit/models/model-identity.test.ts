import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { modelContentFiles } from '../../../main/inference/models/fingerprint';
import { sha256File } from '../../../main/inference/models/fingerprint-memo';
import { readSourceImage } from '../../../main/inference/image/source-image';
import { ddimSchedule } from '../../../main/inference/pipelines/ddim-schedule';
import { loadedModelIsCurrent, loadR2RModel } from '../../../main/inference/pipelines/load-r2r-model';
import { modelFor, releaseCachedModel } from '../../../main/shots/kept-model';
import { shotSettings } from '../../../main/shots/shot-settings';
import { DEFAULT_R2R_PARAMS, runR2R } from '../../../main/inference/pipelines/r2r';
import { ShotCache } from '../../../main/inference/pipelines/shot-cache';
import { encodePng } from '../pipeline/png-encode';

const dir = mkdtempSync(join(tmpdir(), 'r2r-identity-'));
const modelDir = join(dir, 'model');
const cacheDir = join(dir, 'cache');
const imagePath = join(dir, 'render.png');
const params = { ...DEFAULT_R2R_PARAMS, width: 64, height: 64, steps: 10, strength: 0.3 };

beforeAll(() => {
  writeDemoModel(modelDir, { seed: 5, externalData: true });
  const px: number[] = [];
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) px.push(128 + Math.round(90 * Math.sin(x / 5)), 128 + Math.round(90 * Math.cos(y / 7)), (x * y) % 256);
  writeFileSync(imagePath, encodePng({ width: 64, height: 64, colour: 'rgb', depth: 8, samples: px }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (rel: string) => join(modelDir, rel);

/** a valid ONNX edit that leaves the weights alone: ModelProto's doc_string (field 6) appended, the last occurrence wins */
function appendDocString(rel: string): void {
  writeFileSync(at(rel), Buffer.concat([readFileSync(at(rel)), Buffer.from([0x32, 4]), Buffer.from('edit')]));
}

/** one weight bit flipped in place: same size, and the modification time set back, so only the content (and ctime) differ */
function flipWeightBit(rel: string): void {
  const before = statSync(at(rel));
  const bytes = readFileSync(at(rel));
  bytes[bytes.length >> 1]! ^= 1;
  writeFileSync(at(rel), bytes);
  utimesSync(at(rel), before.atime, before.mtime);
}

function editJson(rel: string, edit: (j: Record<string, unknown>) => void): void {
  const j = JSON.parse(readFileSync(at(rel), 'utf8')) as Record<string, unknown>;
  edit(j);
  writeFileSync(at(rel), JSON.stringify(j, null, 2));
}

const EDITS: [string, () => void][] = [
  ['unet model', () => appendDocString('unet/model.onnx')],
  ['text encoder model', () => appendDocString('text_encoder/model.onnx')],
  ['VAE encoder model', () => appendDocString('vae_encoder/model.onnx')],
  ['VAE decoder model', () => appendDocString('vae_decoder/model.onnx')],
  ['unet external data', () => flipWeightBit('unet/model.onnx_data')],
  ['text encoder external data', () => flipWeightBit('text_encoder/model.onnx_data')],
  ['VAE encoder external data', () => flipWeightBit('vae_encoder/model.onnx_data')],
  ['VAE decoder external data', () => flipWeightBit('vae_decoder/model.onnx_data')],
  [
    'tokenizer vocab',
    () =>
      editJson('tokenizer/vocab.json', (v) => {
        const [a, b] = Object.keys(v).slice(300, 302) as [string, string];
        [v[a], v[b]] = [v[b], v[a]];
      }),
  ],
  [
    'tokenizer merges',
    () => {
      const lines = readFileSync(at('tokenizer/merges.txt'), 'utf8').split('\n');
      [lines[1], lines[2]] = [lines[2]!, lines[1]!];
      writeFileSync(at('tokenizer/merges.txt'), lines.join('\n'));
    },
  ],
  ['scheduler config', () => editJson('scheduler/scheduler_config.json', (c) => void (c.beta_end = (c.beta_end as number) * 1.01))],
  ['VAE decoder scaling factor', () => editJson('vae_decoder/config.json', (c) => void (c.scaling_factor = 0.2))],
  ['VAE encoder scaling factor', () => editJson('vae_encoder/config.json', (c) => void (c.scaling_factor = 0.2))],
  ['model_index.json', () => editJson('model_index.json', (c) => void (c._edited_by = 'test'))],
];

/** every file the adapted copy took from the source unchanged has the source's current bytes */
function expectNoStaleCopies(adaptedDir: string): void {
  for (const f of modelContentFiles(modelDir)) {
    const rel = relative(modelDir, f);
    if (rel.startsWith('unet/model.onnx') || rel.startsWith('text_encoder/model.onnx')) continue;
    expect(sha256File(join(adaptedDir, rel)), rel).toBe(sha256File(f));
  }
}

describe('model identity by content', () => {
  it('re-adapts and recomputes after any edit a shot depends on, and re-hashes nothing while stats are unchanged', async () => {
    const source = await readSourceImage(imagePath);
    const cache = new ShotCache(join(cacheDir, 'inversions'));
    const shot = async () => {
      const loaded = await loadR2RModel(modelDir, { cacheDir, provider: 'cpu' });
      try {
        const res = await runR2R(loaded.model, ddimSchedule(loaded.scheduler, params.steps, params.strength, params.inversion), { source }, params, { cache });
        return { loaded, res };
      } finally {
        await loaded.model.dispose();
      }
    };
    const fileCount = modelContentFiles(modelDir).length;
    expect(fileCount).toBeGreaterThanOrEqual(17);

    const first = await shot();
    expect([first.loaded.adapted.built, first.loaded.filesHashed, first.res.inversionCached]).toEqual([true, fileCount, false]);
    // unchanged: the stat memo answers every file (none read), the copy and the shot are reused
    const second = await shot();
    expect([second.loaded.adapted.built, second.loaded.filesHashed, second.res.inversionCached]).toEqual([false, 0, true]);
    expect(second.loaded.model.id).toBe(first.loaded.model.id);

    const ids = new Set([first.loaded.model.id]);
    for (const [what, edit] of EDITS) {
      edit();
      const after = await shot();
      expect([after.loaded.adapted.built, after.loaded.filesHashed, after.res.inversionCached], what).toEqual([true, 1, false]);
      expect(ids.has(after.loaded.model.id), what).toBe(false);
      ids.add(after.loaded.model.id);
      expectNoStaleCopies(after.loaded.adapted.dir);
    }
  }, 600_000);

  it('keeps the same identity when only the modification time changes', async () => {
    const loaded = await loadR2RModel(modelDir, { cacheDir, provider: 'cpu' });
    await loaded.model.dispose();
    const later = new Date(Date.now() + 60_000);
    utimesSync(at('unet/model.onnx_data'), later, later);
    const again = await loadR2RModel(modelDir, { cacheDir, provider: 'cpu' });
    await again.model.dispose();
    // the touched file is read again, finds the same bytes: same id, the adapted copy kept
    expect([again.filesHashed, again.adapted.built, again.model.id]).toEqual([1, false, loaded.model.id]);
  }, 120_000);

  it('does not reuse a model a process keeps loaded once its files changed', async () => {
    const settings = shotSettings({ model: modelDir, provider: 'cpu', cacheDir });
    try {
      const first = await modelFor(settings);
      expect(loadedModelIsCurrent(first.loaded, modelDir, cacheDir)).toBe(true);
      expect((await modelFor(settings)).reused).toBe(true);
      editJson('vae_decoder/config.json', (c) => void (c.scaling_factor = 0.3));
      expect(loadedModelIsCurrent(first.loaded, modelDir, cacheDir)).toBe(false);
      const after = await modelFor(settings);
      expect([after.reused, after.loaded.adapted.built]).toEqual([false, true]);
      expect(after.loaded.model.id).not.toBe(first.loaded.model.id);
    } finally {
      await releaseCachedModel();
    }
  }, 120_000);
});
