import { createHash } from 'node:crypto';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isTempFile } from '../../common/atomic-write';
import { FileRange, type Model } from '../onnx/model';
import type { FileHashMemo } from './fingerprint-memo';
import type { CheckedModelFolder } from './model-checks';
import { COMPONENT_NAMES } from './model-folder';

/** the folders whose every file a shot depends on: the four models with their data and configs, the tokenizer, the scheduler */
const CONTENT_FOLDERS = [...COMPONENT_NAMES, 'tokenizer', 'scheduler'] as const;
const CONTENT_FILES = ['model_index.json'] as const;

/** the external data files a model's initializers read (other than the model file itself) */
export function externalFiles(model: Model, modelPath: string): string[] {
  const files = new Set<string>();
  for (const t of model.graph.initializers) if (t.data instanceof FileRange && t.data.path !== resolve(modelPath)) files.add(t.data.path);
  return [...files];
}

function filesUnder(dir: string, ancestors: Set<string>, out: string[]): void {
  const real = realpathSync(dir);
  if (ancestors.has(real)) return;
  const inside = new Set(ancestors).add(real);
  for (const name of readdirSync(dir).sort()) {
    if (isTempFile(name)) continue;
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue; // a dangling link: the model checks name it; here it holds no content
    }
    if (st.isDirectory()) filesUnder(p, inside, out);
    else if (st.isFile()) out.push(p);
  }
}

/**
 * Every file a shot reads from a model folder, sorted: all files (links followed) under the
 * component, tokenizer and scheduler folders (models, external data, config.json with the
 * VAE scaling factor, vocab and merges, scheduler_config.json), model_index.json, and
 * `extra` files (external data a model keeps outside its folder: folderExternalFiles).
 */
export function modelContentFiles(dir: string, extra: readonly string[] = []): string[] {
  const files: string[] = [];
  for (const f of CONTENT_FOLDERS) {
    const p = join(dir, f);
    if (existsSync(p) && statSync(p).isDirectory()) filesUnder(p, new Set(), files);
  }
  for (const f of CONTENT_FILES) if (existsSync(join(dir, f))) files.push(join(dir, f));
  files.push(...extra);
  return [...new Set(files.map((f) => resolve(f)))].sort();
}

/** the external data files of a checked folder's four models */
export function folderExternalFiles(folder: CheckedModelFolder): string[] {
  return COMPONENT_NAMES.flatMap((c) => {
    const path = folder.components[c];
    return path ? externalFiles(folder.models[c], path) : [];
  });
}

export interface ContentFingerprint {
  /** SHA-256 over every file's path inside the folder and SHA-256 */
  fingerprint: string;
  files: { path: string; sha256: string }[];
}

/** identifies a model folder by the bytes of every file a shot uses: the same while nothing in it changed */
export function modelContentFingerprint(dir: string, hashes: FileHashMemo, extra: readonly string[] = []): ContentFingerprint {
  const root = resolve(dir);
  const files = modelContentFiles(root, extra).map((path) => ({ path, sha256: hashes.sha256(path) }));
  const h = createHash('sha256');
  for (const f of files) h.update(`${relative(root, f.path).split('\\').join('/')}\0${f.sha256}\n`);
  return { fingerprint: h.digest('hex'), files };
}
