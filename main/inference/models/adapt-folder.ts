import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-write';
import { UserError } from '../../common/errors';
import { assertWritableInside } from '../../common/inside-root';
import { FileRange, type Model } from '../onnx/model';
import { saveModel } from '../onnx/write-model';
import { adaptTextEncoderForTextualInversion, type TextualInversionReport } from './adapt-textual-inversion';
import { adaptUnetForTac, type TacOptions, type TacReport } from './adapt-tac';
import { checkModelComponents } from './model-checks';
import { copyModelFiles } from './copy-model-files';
import { COMPONENT_NAMES, type ComponentName } from './model-folder';

export const ADAPTED_MARKER = 'r2r_adapted.json';
// 2: the copy follows symbolic links and its fingerprint covers all four components
export const ADAPT_VERSION = 2;

export interface AdaptFolderOptions {
  tac?: Omit<TacOptions, 'what'>;
  /** add extra_token_embeddings to the text encoder (default true) */
  textualInversion?: boolean;
  /** MiB written so far of the MiB to write, with the component being written */
  onProgress?: (doneMiB: number, totalMiB: number, label: string) => void;
  signal?: AbortSignal;
  /** the folder no write may leave (the cache that holds `out`); default `out` itself */
  root?: string;
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
 * Weights stream from the source files; nothing big is held in memory. The user's folder is
 * only read: every component is checked first, the graph surgery happens in memory, and the
 * copy follows symbolic links (a linked component folder or a Hugging Face blob becomes a
 * real copy), with every write checked to stay inside `opts.root` (default `out`).
 */
export function adaptModelFolder(src: string, out: string, opts: AdaptFolderOptions = {}): AdaptFolderReport {
  const folder = checkModelComponents(src);
  const a = resolve(src);
  const b = resolve(out);
  if (overlaps(a, b) || (existsSync(out) && overlaps(realpathSync(a), realpathSync(b)))) {
    throw new UserError('bad-option', `the output folder ${out} overlaps the source folder ${src}`, 'Write the adapted copy to a separate folder.');
  }
  const earlierCopy = existsSync(join(out, ADAPTED_MARKER));
  if (existsSync(out) && readdirSync(out).length > 0 && !earlierCopy) {
    throw new UserError('output-not-empty', `${out} exists and is not an adapted model folder`, 'Choose an empty or new folder.');
  }
  const ti = opts.textualInversion ?? true;
  const unetPath = folder.components.unet!;
  const tePath = folder.components.text_encoder!;
  // the surgery first, in memory: a UNet that cannot take TAC fails before anything is written
  const { model: unet, report: tac } = adaptUnetForTac(folder.models.unet, { ...opts.tac, what: unetPath });
  const adaptedTe = ti ? adaptTextEncoderForTextualInversion(folder.models.text_encoder, tePath) : undefined;

  const root = opts.root ?? out;
  mkdirSync(root, { recursive: true });
  if (resolve(root) !== b) assertWritableInside(root, out);
  mkdirSync(out, { recursive: true });
  // an earlier copy is replaced whole (removing it unlinks links, never what they point to)
  if (earlierCopy) for (const name of readdirSync(out)) rmSync(join(out, name), { recursive: true, force: true });

  const rewritten = new Set<string>();
  for (const c of ['unet', ...(ti ? ['text_encoder'] : [])] as ComponentName[]) {
    const path = folder.components[c]!;
    rewritten.add(resolve(path));
    for (const f of externalFiles(folder.models[c], path)) rewritten.add(f);
  }
  const sourceFiles = COMPONENT_NAMES.flatMap((c) => [resolve(folder.components[c]!), ...externalFiles(folder.models[c], folder.components[c]!)]).sort();
  const weightBytes = (m: Model) => m.graph.initializers.reduce((n, t) => n + t.data.byteLength, 0);
  const unetBytes = weightBytes(folder.models.unet);
  const totalMiB = Math.ceil((unetBytes + (adaptedTe ? weightBytes(folder.models.text_encoder) : 0)) / 2 ** 20);
  const progress = (offset: number, label: string) => (done: number) =>
    opts.onProgress?.(Math.min(totalMiB, Math.floor((offset + done) / 2 ** 20)), totalMiB, label);
  progress(0, 'copy')(0);
  copyModelFiles(src, out, { root, filter: (from) => !rewritten.has(resolve(from)) && basename(from) !== ADAPTED_MARKER });

  const options = { tac: opts.tac ?? {}, textualInversion: ti };
  const fingerprint = sourceFingerprint(sourceFiles, options);
  const stamp = (m: Model) => m.metadataProps.push({ key: 'r2r.adapt.source', value: JSON.stringify({ dir: a, fingerprint, version: ADAPT_VERSION }) });
  const save = (model: Model, source: Model, sourcePath: string, component: ComponentName, offset: number) => {
    const path = join(out, component, 'model.onnx');
    const external = externalFiles(source, sourcePath).length > 0;
    assertWritableInside(root, path);
    assertWritableInside(root, `${path}.partial`);
    if (external) for (const f of [`${path}_data`, `${path}_data.partial`]) assertWritableInside(root, f);
    saveModel(model, path, { externalData: external ? 'always' : 'auto', signal: opts.signal, onProgress: progress(offset, component) });
  };
  stamp(unet);
  save(unet, folder.models.unet, unetPath, 'unet', 0);
  if (adaptedTe) {
    stamp(adaptedTe.model);
    save(adaptedTe.model, folder.models.text_encoder, tePath, 'text_encoder', unetBytes);
  }
  const report: AdaptFolderReport = { source: a, out: b, options, sourceFiles, fingerprint, version: ADAPT_VERSION, tac, textualInversion: adaptedTe?.report };
  writeFileAtomic(join(out, ADAPTED_MARKER), JSON.stringify(report, null, 2) + '\n', { insideRoot: root });
  opts.onProgress?.(totalMiB, totalMiB, 'done');
  return report;
}

function overlaps(a: string, b: string): boolean {
  return a === b || b.startsWith(a + sep) || a.startsWith(b + sep);
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
