import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import sharp from 'sharp';
import { isUserError } from '../../../main/common/errors';
import { ADAPTED_MARKER } from '../../../main/inference/models/adapt-folder';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { inspectModelFolder } from '../../../main/inference/models/inspect';
import { loadR2RModel } from '../../../main/inference/pipelines/load-r2r-model';
import { runCliCaptured } from '../support/cli-io';
import { linksUnder, snapshot } from './file-snapshot';

let root: string;
/** the user's original model: nothing we do may change a byte or an mtime of it */
let original: string;
let input: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'r2r-symlinks-'));
  original = join(root, 'original');
  writeDemoModel(original, { seed: 5 });
  input = join(root, 'render.png');
  await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 180, g: 90, b: 40 } } }).png().toFile(input);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** a second model whose unet/ and text_encoder/ are links to the original's folders (the case) */
function linkedComponents(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const entry of readdirSync(original)) {
    if (entry === 'unet' || entry === 'text_encoder') symlinkSync(join(original, entry), join(dir, entry));
    else cpSync(join(original, entry), join(dir, entry), { recursive: true });
  }
  return dir;
}

/** the Hugging Face cache layout: snapshots/<rev>/ holds relative links into blobs/, named by hash */
function huggingFaceLayout(name: string, original: string): { hub: string; snapshot: string } {
  const hub = join(root, name);
  const snap = join(hub, 'snapshots', 'abc123');
  mkdirSync(join(hub, 'blobs'), { recursive: true });
  for (const rel of readdirSync(original, { recursive: true }) as string[]) {
    const from = join(original, rel);
    if (statSync(from).isDirectory()) continue;
    const blob = join(hub, 'blobs', createHash('sha256').update(readFileSync(from)).digest('hex'));
    copyFileSync(from, blob);
    mkdirSync(dirname(join(snap, rel)), { recursive: true });
    symlinkSync(relative(dirname(join(snap, rel)), blob), join(snap, rel));
  }
  return { hub, snapshot: snap };
}

describe('a user\'s model is read-only to us', () => {
  it('generate with linked unet/ and text_encoder/ writes the adapted copy only inside the cache', async () => {
    const before = snapshot(original);
    const linked = linkedComponents('linked');
    const linkedBefore = snapshot(linked);
    const cacheDir = join(root, 'cache-linked');
    const r = await runCliCaptured(['generate', '--model', linked, '--input', input, '--out', join(root, 'linked.png'), '--width', '64', '--height', '64', '--steps', '10', '--cache-dir', cacheDir, '--provider', 'cpu', '--json']);
    expect(r.code, r.err).toBe(0);
    const adaptedDir = JSON.parse(r.out).model.adapted as string;
    expect(relative(cacheDir, adaptedDir).startsWith('..')).toBe(false);
    expect(snapshot(original)).toEqual(before);
    expect(snapshot(linked)).toEqual(linkedBefore);
    // the copy has real folders and files, and its UNet is the adapted one
    expect(linksUnder(adaptedDir)).toEqual([]);
    expect(lstatSync(join(adaptedDir, 'unet')).isDirectory()).toBe(true);
    expect(inspectModelFolder(adaptedDir).components.find((c) => c.name === 'unet')!.inputs.map((i) => i.name)).toContain('tac_qk_source');
    expect(Object.keys(inspectModelFolder(original).components.find((c) => c.name === 'unet')!.adapted)).toEqual([]);
  });

  it('adapts a Hugging Face cache snapshot (every file a link into blobs/, weights in model.onnx_data) without touching the blobs', async () => {
    // SD 1.5 exports keep the UNet's weights beside it; they are links into blobs/ too
    const withData = join(root, 'original-external');
    writeDemoModel(withData, { seed: 6, externalData: true });
    const { hub, snapshot: snap } = huggingFaceLayout('hf', withData);
    const before = snapshot(hub);
    const cacheDir = join(root, 'cache-hf');
    const loaded = await loadR2RModel(snap, { cacheDir, provider: 'cpu' });
    try {
      expect(snapshot(hub)).toEqual(before);
      expect(linksUnder(loaded.adapted.dir)).toEqual([]);
      // copied files are real files with the blob's bytes
      const vae = join(loaded.adapted.dir, 'vae_decoder', 'model.onnx');
      expect(lstatSync(vae).isFile()).toBe(true);
      expect(readFileSync(vae).equals(readFileSync(join(withData, 'vae_decoder', 'model.onnx')))).toBe(true);
      expect(lstatSync(join(loaded.adapted.dir, 'unet', 'model.onnx_data')).isFile()).toBe(true);
      expect(readFileSync(join(loaded.adapted.dir, 'tokenizer', 'vocab.json')).equals(readFileSync(join(withData, 'tokenizer', 'vocab.json')))).toBe(true);
    } finally {
      await loaded.model.dispose();
    }
  });

  it('refuses a cache whose adapted/ folder is a link planted to a user folder, leaving that folder as it was', async () => {
    const userFolder = join(root, 'user-photos');
    mkdirSync(userFolder);
    writeFileSync(join(userFolder, 'holiday.jpg'), 'pixels');
    const before = snapshot(userFolder);
    const cacheDir = join(root, 'cache-planted');
    mkdirSync(cacheDir);
    symlinkSync(userFolder, join(cacheDir, 'adapted'));
    let caught: unknown;
    try {
      await loadR2RModel(original, { cacheDir, provider: 'cpu' });
    } catch (err) {
      caught = err;
    }
    expect(isUserError(caught) && caught.code).toBe('write-outside-folder');
    expect((caught as Error).message).toMatch(/adapted leads to .*user-photos; R2R Studio writes only inside .*cache-planted/);
    expect(snapshot(userFolder)).toEqual(before);
  });

  it('models adapt replaces an earlier copy whose unet/ links into the original (left by older versions) without writing through the link', async () => {
    const before = snapshot(original);
    const out = join(root, 'old-copy');
    mkdirSync(out);
    writeFileSync(join(out, ADAPTED_MARKER), '{}');
    symlinkSync(join(original, 'unet'), join(out, 'unet'));
    const r = await runCliCaptured(['models', 'adapt', original, '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(snapshot(original)).toEqual(before);
    expect(linksUnder(out)).toEqual([]);
    expect(inspectModelFolder(out).components.find((c) => c.name === 'unet')!.inputs.map((i) => i.name)).toContain('tac_qk_source');
  });

  it('refuses a model folder that links into itself instead of copying forever', async () => {
    const looped = linkedComponents('looped');
    symlinkSync(looped, join(looped, 'tokenizer', 'again'));
    const r = await runCliCaptured(['models', 'adapt', looped, '--out', join(root, 'looped-out')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/looped\/tokenizer\/again links back to .*looped, a folder it is inside/);
  });
});
