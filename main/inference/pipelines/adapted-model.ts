import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../common/errors';
import { assertWritableInside } from '../../common/inside-root';
import { selfAttentionByLevel } from '../models/adapt-tac';
import { ADAPTED_MARKER, adaptedCopyIsCurrent, adaptModelFolder, type AdaptFolderReport } from '../models/adapt-folder';
import { readModel } from '../onnx/read-model';

export interface AdaptOptions {
  /** how many of the UNet's highest-resolution attn1 levels get TAC (2: SD 1.x's down_blocks.0/1, up_blocks.2/3) */
  tacLevels: number;
}

export interface AdaptedModel {
  /** the adapted copy: every component, the UNet with TAC inputs, the text encoder with extra embedding rows */
  dir: string;
  report: AdaptFolderReport;
  /** it was built now rather than found in the cache */
  built: boolean;
}

/**
 * The model folder adapted by the ONNX toolkit's adaptModelFolder, made once per (source
 * folder, options) and reused while the source files are unchanged, under
 * `<cacheDir>/adapted/`. The copy is built in a temporary folder and renamed into place, so
 * an interrupted build leaves nothing half-made; nothing it writes leaves `cacheDir`.
 */
export function adaptedModel(dir: string, cacheDir: string, opts: AdaptOptions, onProgress?: (label: string) => void, signal?: AbortSignal): AdaptedModel {
  if (!Number.isInteger(opts.tacLevels) || opts.tacLevels < 1) throw new UserError('bad-option', `TAC levels must be a whole number of at least 1, got ${opts.tacLevels}`);
  const key = createHash('sha256').update(JSON.stringify({ dir: resolve(dir), opts })).digest('hex').slice(0, 24);
  const target = join(cacheDir, 'adapted', key);
  const readReport = () => JSON.parse(readFileSync(join(target, ADAPTED_MARKER), 'utf8')) as AdaptFolderReport;
  if (adaptedCopyIsCurrent(target)) return { dir: target, report: readReport(), built: false };
  onProgress?.('adapting the model (first use)');
  const unetPath = join(dir, 'unet', 'model.onnx');
  const available = [...selfAttentionByLevel(readModel(unetPath), unetPath).keys()];
  const levels = available.slice(0, opts.tacLevels);
  const tmp = `${target}.${process.pid}.tmp`;
  mkdirSync(cacheDir, { recursive: true });
  assertWritableInside(cacheDir, tmp);
  assertWritableInside(cacheDir, target);
  rmSync(tmp, { recursive: true, force: true });
  try {
    adaptModelFolder(dir, tmp, {
      root: cacheDir,
      tac: { levels, tokenMask: true },
      textualInversion: true,
      signal,
      onProgress: (done, total, label) => onProgress?.(`adapting the model (first use): ${label} ${Math.round(done)}/${Math.round(total)} MiB`),
    });
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (!existsSync(join(target, ADAPTED_MARKER))) throw new Error(`adapted copy ${target} has no ${ADAPTED_MARKER}`);
  return { dir: target, report: readReport(), built: true };
}
