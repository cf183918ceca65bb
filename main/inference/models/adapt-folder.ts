import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-write';
import { UserError } from '../../common/errors';
import { assertWritableInside } from '../../common/inside-root';
import type { Model } from '../onnx/model';
import { saveModel } from '../onnx/write-model';
import { adaptTextEncoderForTextualInversion, type TextualInversionReport } from './adapt-textual-inversion';
import { adaptUnetForTac, type TacOptions, type TacReport } from './adapt-tac';
import { adaptUnetForReference, type ReferenceOptions, type ReferenceReport } from './adapt-reference';
import { checkModelComponents } from './model-checks';
import { copyModelFiles } from './copy-model-files';
import { externalFiles, folderExternalFiles, modelContentFingerprint } from './fingerprint';
import { FileHashMemo } from './fingerprint-memo';
import type { ComponentName } from './model-folder';

export const ADAPTED_MARKER = 'r2r_adapted.json';
// 3: the fingerprint is the SHA-256 of every file a shot reads (2: sizes and times of the four models)
export const ADAPT_VERSION = 3;

export interface AdaptFolderOptions {
  tac?: Omit<TacOptions, 'what'>;
  /** also add reference attention (ref_rows, ref_region) to the UNet's attn1, for dressing */
  reference?: Omit<ReferenceOptions, 'what'>;
  /** add extra_token_embeddings to the text encoder (default true) */
  textualInversion?: boolean;
  /** MiB written so far of the MiB to write, with the component being written */
  onProgress?: (doneMiB: number, totalMiB: number, label: string) => void;
  signal?: AbortSignal;
  /** the folder no write may leave (the cache that holds `out`); default `out` itself */
  root?: string;
  /** file hashes to reuse (the cache's memo); default a fresh one */
  hashes?: FileHashMemo;
}

export interface AdaptFolderReport {
  source: string;
  out: string;
  /** the options the copy was made with (to recompute the fingerprint) */
  options: { tac: Omit<TacOptions, 'what'>; textualInversion: boolean; reference?: Omit<ReferenceOptions, 'what'> };
  /** source files the fingerprint covers: every file a shot reads */
  sourceFiles: string[];
  /** SHA-256 of the source's content (modelContentFingerprint) */
  sourceContent: string;
  /** identifies the source's content, this version and the options: the copy is current while it recomputes the same */
  fingerprint: string;
  version: number;
  tac: TacReport;
  textualInversion: TextualInversionReport | undefined;
  reference?: ReferenceReport;
}

/** what the adapted copy's marker records: the source's content, the version and the options together */
export function adaptFingerprint(sourceContent: string, opts: unknown): string {
  return createHash('sha256').update(JSON.stringify({ version: ADAPT_VERSION, opts, sourceContent })).digest('hex').slice(0, 32);
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
  const { model: tacUnet, report: tac } = adaptUnetForTac(folder.models.unet, { ...opts.tac, what: unetPath });
  const withReference = opts.reference ? adaptUnetForReference(tacUnet, { ...opts.reference, what: unetPath }) : undefined;
  const unet = withReference?.model ?? tacUnet;
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
  const content = modelContentFingerprint(src, opts.hashes ?? FileHashMemo.inMemory(), folderExternalFiles(folder));
  const sourceFiles = content.files.map((f) => f.path);
  const weightBytes = (m: Model) => m.graph.initializers.reduce((n, t) => n + t.data.byteLength, 0);
  const unetBytes = weightBytes(folder.models.unet);
  const totalMiB = Math.ceil((unetBytes + (adaptedTe ? weightBytes(folder.models.text_encoder) : 0)) / 2 ** 20);
  const progress = (offset: number, label: string) => (done: number) =>
    opts.onProgress?.(Math.min(totalMiB, Math.floor((offset + done) / 2 ** 20)), totalMiB, label);
  progress(0, 'copy')(0);
  copyModelFiles(src, out, { root, filter: (from) => !rewritten.has(resolve(from)) && basename(from) !== ADAPTED_MARKER });

  // without reference attention the options (and so the fingerprint) are those of copies made before it existed
  const options = { tac: opts.tac ?? {}, textualInversion: ti, ...(opts.reference ? { reference: opts.reference } : {}) };
  const fingerprint = adaptFingerprint(content.fingerprint, options);
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
  const report: AdaptFolderReport = { source: a, out: b, options, sourceFiles, sourceContent: content.fingerprint, fingerprint, version: ADAPT_VERSION, tac, textualInversion: adaptedTe?.report, ...(withReference ? { reference: withReference.report } : {}) };
  writeFileAtomic(join(out, ADAPTED_MARKER), JSON.stringify(report, null, 2) + '\n', { insideRoot: root });
  opts.onProgress?.(totalMiB, totalMiB, 'done');
  return report;
}

function overlaps(a: string, b: string): boolean {
  return a === b || b.startsWith(a + sep) || a.startsWith(b + sep);
}

/**
 * Whether `out` holds an adapted copy that is still current: made by this version from a
 * source whose every file (models, external data, VAE and tokenizer files, configs) has the
 * same SHA-256 as then, none added or removed. The copy holds its own VAE, tokenizer and
 * configs, so any change there makes it stale too. The app re-adapts when it is not current.
 */
export function adaptedCopyIsCurrent(out: string, hashes: FileHashMemo = FileHashMemo.inMemory()): boolean {
  const marker = join(out, ADAPTED_MARKER);
  if (!existsSync(marker)) return false;
  try {
    const r = JSON.parse(readFileSync(marker, 'utf8')) as AdaptFolderReport;
    if (r.version !== ADAPT_VERSION || !existsSync(join(out, 'unet', 'model.onnx'))) return false;
    // the recorded files bring external data kept outside the folder; a file gone since throws: not current
    const content = modelContentFingerprint(r.source, hashes, r.sourceFiles);
    return adaptFingerprint(content.fingerprint, r.options) === r.fingerprint;
  } catch {
    return false;
  }
}
