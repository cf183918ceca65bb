import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../../common/errors';
import { FileRange, type Model } from '../onnx/model';
import { readModel } from '../onnx/read-model';
import { saveModel } from '../onnx/write-model';
import { adaptTextEncoderForTextualInversion, type TextualInversionReport } from './adapt-textual-inversion';
import { adaptUnetForTac, type TacOptions, type TacReport } from './adapt-tac';
import { checkOpset } from './inspect';
import { openModelFolder, type ComponentName } from './model-folder';

export const ADAPTED_MARKER = 'r2r_adapted.json';
export const ADAPT_VERSION = 1;

export interface AdaptFolderOptions {
  tac?: Omit<TacOptions, 'what'>;
  /** add extra_token_embeddings to the text encoder (default true) */
  textualInversion?: boolean;
  /** MiB written so far of the MiB to write, with the component being written */
  onProgress?: (doneMiB: number, totalMiB: number, label: string) => void;
  signal?: AbortSignal;
}

export interface AdaptFolderReport {
  source: string;
  out: string;
  /** the options the copy was made with (to recompute the fingerprint) */
  options: { tac: Omit<TacOptions, 'what'>; textualInversion: boolean };
  /** source files the fingerprint covers */
  sourceFiles: string[];
  /** identifies the source files and the adaptation; the app's cache key */
  fingerprint: string;
  version: number;
  tac: TacReport;
  textualInversion: TextualInversionReport | undefined;
}

/** sizes and modification times of the source models: changes when the user replaces a model */
export function sourceFingerprint(paths: string[], opts: unknown): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ version: ADAPT_VERSION, opts }));
  for (const p of paths) {
    const s = statSync(p);
    h.update(`${resolve(p)}:${s.size}:${s.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 32);
}

function externalFiles(model: Model, modelPath: string): string[] {
  const files = new Set<string>();
  for (const t of model.graph.initializers) if (t.data instanceof FileRange && t.data.path !== resolve(modelPath)) files.add(t.data.path);
  return [...files];
}

/**
 * Adapts an optimum Stable Diffusion folder into `out`: the UNet gets TAC inputs, the text
 * encoder gets extra_token_embeddings; the VAE, tokenizer, scheduler and configs are copied.
 * Weights stream from the source files; nothing big is held in memory.
 */
export function adaptModelFolder(src: string, out: string, opts: AdaptFolderOptions = {}): AdaptFolderReport {
  const folder = openModelFolder(src);
  const a = resolve(src);
  const b = resolve(out);
  if (a === b || b.startsWith(a + '/') || a.startsWith(b + '/')) {
    throw new UserError('bad-option', `the output folder ${out} overlaps the source folder ${src}`, 'Write the adapted copy to a separate folder.');
  }
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, ADAPTED_MARKER))) {
    throw new UserError('output-not-empty', `${out} exists and is not an adapted model folder`, 'Choose an empty or new folder.');
  }
  mkdirSync(out, { recursive: true });
  const ti = opts.textualInversion ?? true;

  // everything except the two models we rewrite (and their data files) is copied as is
  const rewritten = new Set<string>();
  const loaded: Partial<Record<ComponentName, Model>> = {};
  for (const c of ['unet', ...(ti ? ['text_encoder'] : [])] as ComponentName[]) {
    const path = folder.components[c]!;
    const model = readModel(path);
    checkOpset(model, path);
    loaded[c] = model;
    rewritten.add(resolve(path));
    for (const f of externalFiles(model, path)) rewritten.add(f);
  }
  const weightBytes = (m: Model) => m.graph.initializers.reduce((n, t) => n + t.data.byteLength, 0);
  const unetBytes = weightBytes(loaded.unet!);
  const totalMiB = Math.ceil((unetBytes + (loaded.text_encoder ? weightBytes(loaded.text_encoder) : 0)) / 2 ** 20);
  const progress = (offset: number, label: string) => (done: number) =>
    opts.onProgress?.(Math.min(totalMiB, Math.floor((offset + done) / 2 ** 20)), totalMiB, label);
  progress(0, 'copy')(0);
  cpSync(src, out, {
    recursive: true,
    filter: (from) => !rewritten.has(resolve(from)) && basename(from) !== ADAPTED_MARKER,
  });

  const unetPath = folder.components.unet!;
  const { model: unet, report: tac } = adaptUnetForTac(loaded.unet!, { ...opts.tac, what: unetPath });
  const sourceFiles = [...rewritten].sort();
  const options = { tac: opts.tac ?? {}, textualInversion: ti };
  const fingerprint = sourceFingerprint(sourceFiles, options);
  const stamp = (m: Model) => m.metadataProps.push({ key: 'r2r.adapt.source', value: JSON.stringify({ dir: a, fingerprint, version: ADAPT_VERSION }) });
  stamp(unet);
  const unetExternal = externalFiles(loaded.unet!, unetPath).length > 0;
  saveModel(unet, join(out, 'unet', 'model.onnx'), { externalData: unetExternal ? 'always' : 'auto', signal: opts.signal, onProgress: progress(0, 'unet') });

  let tiReport: TextualInversionReport | undefined;
  if (ti) {
    const tePath = folder.components.text_encoder!;
    const { model: te, report } = adaptTextEncoderForTextualInversion(loaded.text_encoder!, tePath);
    stamp(te);
    tiReport = report;
    saveModel(te, join(out, 'text_encoder', 'model.onnx'), {
      externalData: externalFiles(loaded.text_encoder!, tePath).length > 0 ? 'always' : 'auto',
      signal: opts.signal,
      onProgress: progress(unetBytes, 'text_encoder'),
    });
  }
  const report: AdaptFolderReport = { source: a, out: b, options, sourceFiles, fingerprint, version: ADAPT_VERSION, tac, textualInversion: tiReport };
  writeFileSync(join(out, ADAPTED_MARKER), JSON.stringify(report, null, 2) + '\n');
  opts.onProgress?.(totalMiB, totalMiB, 'done');
  return report;
}

/**
 * Whether `out` holds an adapted copy that is still current: made by this version, from
 * source files of the same size and modification time. The app re-adapts when it is not.
 */
export function adaptedCopyIsCurrent(out: string): boolean {
  const marker = join(out, ADAPTED_MARKER);
  if (!existsSync(marker)) return false;
  try {
    const r = JSON.parse(readFileSync(marker, 'utf8')) as AdaptFolderReport;
    if (r.version !== ADAPT_VERSION || !r.sourceFiles.every((f) => existsSync(f))) return false;
    return sourceFingerprint(r.sourceFiles, r.options) === r.fingerprint && existsSync(join(out, 'unet', 'model.onnx'));
  } catch {
    return false;
  }
}
