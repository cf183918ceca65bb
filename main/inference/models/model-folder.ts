import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors';

export type ComponentName = 'text_encoder' | 'unet' | 'vae_encoder' | 'vae_decoder';
export const COMPONENT_NAMES: ComponentName[] = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'];

export interface ModelFolder {
  dir: string;
  /** model.onnx of each component present */
  components: Partial<Record<ComponentName, string>>;
  modelIndex: Record<string, unknown> | undefined;
  tokenizer: string | undefined;
  scheduler: string | undefined;
}

const EXPORT_HINT = 'Point at a folder written by `optimum-cli export onnx --model <model> --task text-to-image <folder>` (it holds model_index.json, unet/model.onnx, text_encoder/model.onnx, vae_encoder/ and vae_decoder/).';

/** finds the components of an optimum/diffusers ONNX folder; refuses what is not one */
export function openModelFolder(dir: string, required: ComponentName[] = COMPONENT_NAMES): ModelFolder {
  if (!existsSync(dir)) throw new UserError('not-found', `${dir} does not exist`, EXPORT_HINT);
  if (!statSync(dir).isDirectory()) {
    throw new UserError('not-a-model-folder', `${dir} is a file, not a model folder`, EXPORT_HINT);
  }
  const components: Partial<Record<ComponentName, string>> = {};
  for (const c of COMPONENT_NAMES) {
    const p = join(dir, c, 'model.onnx');
    if (existsSync(p)) components[c] = p;
  }
  const indexPath = join(dir, 'model_index.json');
  let modelIndex: Record<string, unknown> | undefined;
  if (existsSync(indexPath)) {
    try {
      modelIndex = JSON.parse(readFileSync(indexPath, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new UserError('bad-model-index', `${indexPath} is not valid JSON (${(err as Error).message})`, 'Export the model again.');
    }
  }
  if (!modelIndex && Object.keys(components).length === 0) {
    throw new UserError('not-a-model-folder', `${dir} is not a Stable Diffusion ONNX folder: no model_index.json and no unet/, text_encoder/, vae_encoder/ or vae_decoder/ model`, EXPORT_HINT);
  }
  for (const c of required) {
    if (!components[c]) {
      const hasDir = existsSync(join(dir, c));
      throw new UserError(
        'component-missing',
        `${join(dir, c, 'model.onnx')} is missing: the model folder ${hasDir ? `has a ${c}/ folder without model.onnx` : `has no ${c}`}`,
        hasDir && existsSync(join(dir, c, 'model.safetensors'))
          ? `${c}/ holds PyTorch weights; export the model to ONNX first. ${EXPORT_HINT}`
          : EXPORT_HINT,
      );
    }
  }
  const tok = join(dir, 'tokenizer');
  const sched = join(dir, 'scheduler', 'scheduler_config.json');
  return {
    dir,
    components,
    modelIndex,
    tokenizer: existsSync(join(tok, 'vocab.json')) ? tok : undefined,
    scheduler: existsSync(sched) ? sched : undefined,
  };
}
