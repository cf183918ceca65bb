import { join } from 'node:path';
import { chooseProvider, type ProviderChoice } from '../runtime/provider-choice';
import { SessionManager, type SessionManagerOptions } from '../runtime/session-manager';
import { readSchedulerConfig, type DdimConfig } from '../schedulers/scheduler-config';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer';
import { UserError } from '../../common/errors';
import { readEmbeddingFile } from '../models/embeddings';
import { adaptedModel, shotModelId, type AdaptedModel } from './adapted-model';
import { defaultCacheDir } from './shot-cache';
import { GENERATION_DEFAULTS } from '../../../preload/api/generation-types';
import { checkModelFolder, readModelGeometry } from './model-requirements';
import { folderExternalFiles, modelContentFingerprint } from '../models/fingerprint';
import { FileHashMemo } from '../models/fingerprint-memo';
import { OnnxDiffusionModel } from './onnx-diffusion-model';

export interface LoadModelOptions {
  /** execution provider name or 'auto' (default): the platform's GPU providers, else the CPU */
  provider?: string;
  /** UNet resolution levels with TAC, highest resolution first (2) */
  tacLevels?: number;
  /** also adapt the UNet for reference attention (dressing): a separate adapted copy; other shots run on it unchanged */
  referenceAttention?: boolean;
  /** where adapted copies, inversions and the file-hash memo are kept; default defaultCacheDir() */
  cacheDir?: string;
  /** the adapted copies kept in the cache together (default ADAPTED_CACHE_MAX_BYTES) */
  adaptedMaxBytes?: number;
  /** sessions kept loaded together (4: all components; 1 loads each in turn, for small memory) */
  sessionCapacity?: number;
  onProgress?: (label: string) => void;
  /** a textual-inversion file (.safetensors, .pt, .bin) whose token(s) become the negative prompt (a file name token is bracketed: neg.safetensors -> <neg>) */
  negativeEmbedding?: string;
  /** stops a first-use adaptation (its partial copy is removed) */
  signal?: AbortSignal;
  /** onnxruntime's threads per session (intra-op); default onnxruntime's, one per core. Processes sharing a machine take a share each */
  threads?: number;
  /** how sessions are created (the session manager's seam; benchmarks stand in for session.run) */
  createSession?: SessionManagerOptions['create'];
}

export interface LoadedModel {
  model: OnnxDiffusionModel;
  scheduler: DdimConfig;
  adapted: AdaptedModel;
  providerChoice: ProviderChoice;
  /** with a negative embedding: the prompt made of its token(s), to use as the negative prompt */
  negativePrompt?: string;
  /** SHA-256 content fingerprint of the source folder's files */
  contentFingerprint: string;
  /** files read and hashed while loading (0 when the cache's stat memo knew them all) */
  filesHashed: number;
}

/**
 * Loads a Stable Diffusion ONNX folder for the pipelines: checks its components (before
 * anything is copied: the same checks as `r2r models inspect`), adapts
 * (or finds the cached adapted copy of) its UNet and text encoder, picks the execution
 * provider and opens the four sessions.
 */
export async function loadR2RModel(dir: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  const folder = checkModelFolder(dir);
  const scheduler = readSchedulerConfig(dir);
  const tokenizer = ClipTokenizer.fromModelFolder(dir);
  const geometry = readModelGeometry(dir);
  const providerChoice = await chooseProvider(opts.provider);
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const hashes = FileHashMemo.open(cacheDir);
  // hashed before the adapted copy is checked against it: the same memo answers both
  const content = modelContentFingerprint(dir, hashes, folderExternalFiles(folder));
  const adapted = adaptedModel(dir, cacheDir, { tacLevels: opts.tacLevels ?? GENERATION_DEFAULTS.tacLevels, ...(opts.referenceAttention ? { reference: true } : {}) }, { onProgress: opts.onProgress, signal: opts.signal, hashes, maxBytes: opts.adaptedMaxBytes });
  hashes.save();
  const negative = opts.negativeEmbedding ? addNegativeEmbedding(tokenizer, opts.negativeEmbedding, adapted) : undefined;
  // the shot cache's model id: the content of every file a shot reads, and how the UNet was adapted
  const id = shotModelId(content.fingerprint, adapted.report.tac.levels);
  opts.onProgress?.('loading sessions');
  const sessions = new SessionManager({
    capacity: opts.sessionCapacity ?? 4,
    create: opts.createSession,
    // the manager's defaults add no spin-waiting between runs: the CPU is shared with the UI and other work
    sessionOptions: { graphOptimizationLevel: 'all', ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}) },
  });
  const paths = {
    text_encoder: join(adapted.dir, 'text_encoder', 'model.onnx'),
    unet: join(adapted.dir, 'unet', 'model.onnx'),
    vae_encoder: join(adapted.dir, 'vae_encoder', 'model.onnx'),
    vae_decoder: join(adapted.dir, 'vae_decoder', 'model.onnx'),
  };
  try {
    // errors name the user's files; the adapted copies in the cache are ours
    const sources = folder.components as Record<keyof typeof paths, string>;
    const model = await OnnxDiffusionModel.open({ id, provider: providerChoice.provider, sessions, paths, sources, tokenizer, ...geometry, extraEmbeddings: negative?.rows });
    return { model, scheduler, adapted, providerChoice, negativePrompt: negative?.prompt, contentFingerprint: content.fingerprint, filesHashed: hashes.hashed };
  } catch (err) {
    await sessions.close();
    throw err;
  }
}

/**
 * Whether `dir` still holds the content `loaded` was made from: a stat per file while nothing
 * changed (the cache's memo), a re-hash of what did. A process that keeps a model loaded
 * between shots asks before each one, so an edited model is loaded again, never reused.
 */
export function loadedModelIsCurrent(loaded: LoadedModel, dir: string, cacheDir = defaultCacheDir()): boolean {
  try {
    const hashes = FileHashMemo.open(cacheDir);
    // the recorded files bring external data kept outside the folder; one gone since throws
    const content = modelContentFingerprint(dir, hashes, loaded.adapted.report.sourceFiles);
    hashes.save();
    return content.fingerprint === loaded.contentFingerprint;
  } catch {
    return false;
  }
}

/**
 * Registers the embedding file's tokens with the tokenizer (ids from the vocabulary size up,
 * the rows the adapted text encoder reads from extra_token_embeddings) and returns the
 * negative prompt that selects them.
 */
function addNegativeEmbedding(tokenizer: ClipTokenizer, path: string, adapted: AdaptedModel): { prompt: string; rows: { data: Float32Array; rows: number; width: number } } {
  const ti = adapted.report.textualInversion;
  if (!ti) throw new Error('the adapted text encoder has no extra_token_embeddings input');
  const file = readEmbeddingFile(path, { hidden: ti.hidden });
  if (tokenizer.vocabSize !== ti.vocabSize) {
    throw new UserError('embedding-vocab', `the tokenizer has ${tokenizer.vocabSize} tokens but the text encoder's table has ${ti.vocabSize} rows`, 'The tokenizer and text encoder of this model folder do not belong together; export the model again.');
  }
  const tokens: string[] = [];
  const vectors: Float32Array[] = [];
  for (const e of file.embeddings) {
    // bracketed so the token cannot match inside a word of the user's prompt ("neg" in "negligee")
    let token = /^<.*>$/.test(e.token) ? e.token : `<${e.token}>`;
    try {
      tokenizer.addToken(token, e.count);
    } catch (err) {
      if (!(err instanceof UserError) || err.code !== 'tokenizer-token-exists') throw err;
      token = `<${e.token.replace(/[<>]/g, '')}-${tokens.length + 1}>`;
      tokenizer.addToken(token, e.count);
    }
    tokens.push(token);
    vectors.push(e.vectors);
  }
  const data = new Float32Array(vectors.reduce((a, v) => a + v.length, 0));
  let o = 0;
  for (const v of vectors) {
    data.set(v, o);
    o += v.length;
  }
  return { prompt: tokens.join(' '), rows: { data, rows: data.length / ti.hidden, width: ti.hidden } };
}
