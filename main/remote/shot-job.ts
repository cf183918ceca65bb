import { createHash } from 'node:crypto';
import type { ShotSettings } from '../shots/shot-settings';

/** the queue every worker takes shots from, and the queue of the per-export parent jobs */
export const SHOT_QUEUE = 'r2r-shots';
export const EXPORT_QUEUE = 'r2r-exports';
/** BullMQ's key prefix for this app's queues (several apps may share one Redis) */
export const QUEUE_PREFIX = 'r2r';

/** what a worker needs of the shot settings: the rest (model folder, provider, cache) is its own */
export type PortableSettings = Omit<ShotSettings, 'model' | 'provider' | 'cacheDir' | 'threads'>;

/** everything a worker on another machine needs for one shot: the library stays with the coordinator */
export interface ShotJobData {
  v: 1;
  /** the coordinator's render id and a name for it, for messages only */
  renderId: number;
  label: string;
  renderSha: string;
  input: { ext: string; base64: string };
  /** PNG bytes of the render's edit mask and texture lock, when it has them */
  mask?: string;
  textureLock?: string;
  width: number;
  height: number;
  settings: PortableSettings;
  model: { name: string; fingerprint: string; dir: string };
  /** the negative embedding's bytes when the settings name one: the worker has no copy of the coordinator's file */
  negativeEmbedding?: QueuedEmbedding;
}

/** a textual-inversion file carried in a job; its content address names it on the worker */
export interface QueuedEmbedding {
  /** the coordinator's file name (its extension says the format) */
  name: string;
  sha256: string;
  base64: string;
}

/** embeddings are kilobytes; a file this big is not one, and would bloat every queued shot */
export const MAX_QUEUED_EMBEDDING_BYTES = 16 * 2 ** 20;

export interface ShotJobResult {
  /** the output PNG, base64 */
  png: string;
  metrics: Record<string, unknown>;
  worker: { id: string; host: string; provider: string };
}

/**
 * The settings a job carries: the machine-specific ones are left out, and a negative
 * embedding is named by its content (`sha256:<hex>`), not by the coordinator's path.
 */
export function portableSettings(s: ShotSettings, embedding?: Pick<QueuedEmbedding, 'sha256'>): PortableSettings {
  const { model: _model, provider: _provider, cacheDir: _cacheDir, threads: _threads, ...rest } = s;
  if (rest.negative.kind === 'embedding') {
    if (!embedding) throw new Error('portableSettings: the settings name a negative embedding; pass its content hash');
    return { ...rest, negative: { kind: 'embedding', path: `sha256:${embedding.sha256}` } };
  }
  return rest;
}

/**
 * The job's id, the same for the same shot from any coordinator: `<render sha>_<params hash>`,
 * the params hash covering the settings, the masks and the model's fingerprint. BullMQ keeps
 * one job per id, so enqueuing a shot twice does the work once. No ':' (BullMQ's key separator).
 */
export function shotJobId(data: Pick<ShotJobData, 'renderSha' | 'mask' | 'textureLock' | 'settings' | 'model'>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(sortedEntries(data.settings)));
  h.update(`\nmodel ${data.model.fingerprint}\nmask ${digest(data.mask)}\nlock ${digest(data.textureLock)}`);
  return `${data.renderSha}_${h.digest('hex').slice(0, 32)}`;
}

function digest(base64: string | undefined): string {
  return base64 ? createHash('sha256').update(base64).digest('hex') : '-';
}

function sortedEntries(o: object): [string, unknown][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
