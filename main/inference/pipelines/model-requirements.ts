import { existsSync, readFileSync } from 'node:fs';
import { checkModelComponents, type CheckedModelFolder } from '../models/model-checks';
import { join } from 'node:path';
import { UserError } from '../../common/errors';

/** the files R2R needs beyond the four ONNX components */
const OTHER_FILES = ['tokenizer/vocab.json', 'tokenizer/merges.txt', 'scheduler/scheduler_config.json'] as const;

/**
 * Refuses a folder that is not a Stable Diffusion ONNX folder or lacks what R2R needs: the
 * toolkit's checks of the four components (the same as `r2r models inspect`: readable ONNX,
 * external data present, the expected inputs and outputs), then the tokenizer and scheduler
 * files. Runs before anything is copied, adapted or loaded; every message names the user's file.
 */
export function checkModelFolder(dir: string): CheckedModelFolder {
  const folder = checkModelComponents(dir);
  const missing = OTHER_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new UserError(
      'model-incomplete',
      `the model folder ${dir} is missing ${missing.join(', ')}`,
      'A Stable Diffusion ONNX folder (optimum layout) has tokenizer/ and scheduler/ beside its models; export it again with `optimum-cli export onnx`.',
    );
  }
  return folder;
}

function readJson(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError('model-bad-config', `${path} is not valid JSON: ${(err as Error).message}`, 'Export the model again or fix the file.');
  }
}

export interface ModelGeometry {
  /** image pixels per latent pixel */
  vaeFactor: number;
  /** canvas sides must be multiples of this */
  sizeMultiple: number;
  scalingFactor: number;
}

/** VAE factor, size multiple and scaling factor from the components' config.json (SD 1.x defaults) */
export function readModelGeometry(dir: string): ModelGeometry {
  const vae = readJson(join(dir, 'vae_decoder', 'config.json')) ?? readJson(join(dir, 'vae_encoder', 'config.json'));
  const unet = readJson(join(dir, 'unet', 'config.json'));
  const vaeBlocks = Array.isArray(vae?.block_out_channels) ? vae.block_out_channels.length : 4;
  const unetBlocks = Array.isArray(unet?.block_out_channels) ? unet.block_out_channels.length : 4;
  const vaeFactor = 2 ** (vaeBlocks - 1);
  const scaling = typeof vae?.scaling_factor === 'number' ? vae.scaling_factor : 0.18215;
  return { vaeFactor, sizeMultiple: vaeFactor * 2 ** (unetBlocks - 1), scalingFactor: scaling };
}
