import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adaptUnetForTac, selfAttentionByLevel } from '../models/adapt-tac';
import { adaptTextEncoderForTextualInversion } from '../models/adapt-textual-inversion';
import { readModel } from '../onnx/read-model';
import { saveModel } from '../onnx/write-model';
import { modelFingerprint } from './model-folder';

export interface AdaptOptions {
  /** how many of the UNet's highest-resolution attn1 levels get TAC (2: SD 1.x's down_blocks.0/1, up_blocks.2/3) */
  tacLevels: number;
  /** add the per-token texture-lock mask input */
  textureLock: boolean;
}

export interface AdaptedModel {
  /** holds unet/ and text_encoder/ adapted; the other components are read from the source */
  dir: string;
  source: string;
  levels: number[];
  tacLayers: number;
  textureLock: boolean;
  /** it was built now rather than found in the cache */
  built: boolean;
}

const ADAPT_VERSION = 1;

/**
 * The model's UNet with TAC inputs and its text encoder with textual-inversion rows, made once
 * per (weights, options) and kept under `<cacheDir>/adapted/`. The copy is built in a
 * temporary folder and renamed into place, so an interrupted build leaves nothing half-made.
 */
export function adaptedModel(dir: string, cacheDir: string, opts: AdaptOptions, onProgress?: (label: string) => void): AdaptedModel {
  const key = createHash('sha256')
    .update(JSON.stringify({ v: ADAPT_VERSION, files: modelFingerprint(dir, ['unet/model.onnx', 'text_encoder/model.onnx']), opts }))
    .digest('hex')
    .slice(0, 24);
  const target = join(cacheDir, 'adapted', key);
  const manifest = join(target, 'adapted.json');
  if (existsSync(manifest)) {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as Omit<AdaptedModel, 'dir' | 'built'>;
    return { ...m, dir: target, built: false };
  }
  const tmp = `${target}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'unet'), { recursive: true });
  mkdirSync(join(tmp, 'text_encoder'), { recursive: true });
  try {
    onProgress?.('adapting the UNet (TAC)');
    const unet = readModel(join(dir, 'unet', 'model.onnx'));
    const available = [...selfAttentionByLevel(unet, `${dir}/unet/model.onnx`).keys()];
    const levels = available.slice(0, Math.max(1, opts.tacLevels));
    const tac = adaptUnetForTac(unet, { levels, tokenMask: opts.textureLock, what: `${dir}/unet/model.onnx` });
    saveModel(tac.model, join(tmp, 'unet', 'model.onnx'));
    onProgress?.('adapting the text encoder (textual inversion)');
    const te = adaptTextEncoderForTextualInversion(readModel(join(dir, 'text_encoder', 'model.onnx')), `${dir}/text_encoder/model.onnx`);
    saveModel(te.model, join(tmp, 'text_encoder', 'model.onnx'));
    const m = { source: dir, levels, tacLayers: tac.report.layers.length, textureLock: opts.textureLock };
    writeFileSync(join(tmp, 'adapted.json'), JSON.stringify(m, null, 2) + '\n');
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
    return { ...m, dir: target, built: true };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
