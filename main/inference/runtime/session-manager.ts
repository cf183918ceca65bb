import { existsSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { UserError } from '../../common/errors';
import { onnxruntimeHint } from './onnxruntime-hint';
import type { ProviderName } from './providers';
import { inputSpecs, outputSpecs, type TensorSpec } from './typed-feeds';

export type SessionEvent =
  | { type: 'load'; modelPath: string; provider: ProviderName; ms: number }
  | { type: 'reuse'; modelPath: string; provider: ProviderName }
  | { type: 'dispose'; modelPath: string; provider: ProviderName };

export interface SessionManagerOptions {
  /** sessions kept loaded at once (least recently used goes first); 1 bounds memory to one model */
  capacity?: number;
  /** extra onnxruntime session options; the execution provider is set by the manager */
  sessionOptions?: Omit<ort.InferenceSession.SessionOptions, 'executionProviders'>;
  onEvent?: (event: SessionEvent) => void;
  /** how a session is created; tests replace it */
  create?: (modelPath: string, options: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>;
}

/** a loaded model on one provider, with its input/output metadata */
export class ManagedSession {
  private inFlight = new Set<Promise<unknown>>();
  private released = false;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];

  constructor(
    readonly modelPath: string,
    readonly provider: ProviderName,
    readonly session: ort.InferenceSession,
    /** wall time of loading the session, ms */
    readonly loadMs: number,
    readonly label: string,
  ) {
    this.inputs = inputSpecs(session, label);
    this.outputs = outputSpecs(session, label);
  }

  get disposed(): boolean {
    return this.released;
  }

  async run(feeds: Record<string, ort.Tensor>, options?: ort.InferenceSession.RunOptions): Promise<ort.InferenceSession.ReturnType> {
    if (this.released) throw new Error(`the session of ${this.modelPath} was released; get it from the session manager again`);
    const p = this.session.run(feeds, options);
    this.inFlight.add(p);
    try {
      return await p;
    } finally {
      this.inFlight.delete(p);
    }
  }

  /** waits for runs in progress, then frees the session */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.allSettled([...this.inFlight]);
    await this.session.release();
  }
}

/**
 * Options every session gets unless the caller overrides them: quiet logs, and no spin-waiting
 * of onnxruntime's worker threads between (and inside) runs. Spinning keeps cores busy while
 * the pipeline does its own work between UNet calls and starves other processes on a shared
 * machine; a diffusion model's runs are long enough that waking the threads costs nothing.
 */
export const DEFAULT_SESSION_OPTIONS: Omit<ort.InferenceSession.SessionOptions, 'executionProviders'> = {
  logSeverityLevel: 3,
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

type Extra = Record<string, unknown>;

function isPlainObject(v: unknown): v is Extra {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** nested `extra` keys merged, the caller's values winning */
function mergeExtra(base: Extra, over: Extra): Extra {
  const out: Extra = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeExtra(out[k], v) : v;
  return out;
}

/** the defaults under the caller's session options, then the provider */
export function sessionOptionsFor(provider: ProviderName, options: SessionManagerOptions['sessionOptions'] = {}): ort.InferenceSession.SessionOptions {
  const extra = mergeExtra(DEFAULT_SESSION_OPTIONS.extra as Extra, isPlainObject(options.extra) ? options.extra : {});
  return { ...DEFAULT_SESSION_OPTIONS, ...options, extra, executionProviders: [provider] };
}

function keyOf(modelPath: string, provider: ProviderName): string {
  return `${provider}\u0000${modelPath}`;
}

/**
 * Loads sessions one at a time, hands the same session back while the same model and
 * provider are asked for, and releases the least recently used one when another is needed
 * beyond `capacity` (1 by default) or on close.
 */
export class SessionManager {
  private readonly capacity: number;
  private readonly sessions = new Map<string, ManagedSession>();
  private queue: Promise<unknown> = Promise.resolve();
  readonly stats = { loads: 0, reuses: 0, disposals: 0, loadMs: 0 };

  constructor(private readonly options: SessionManagerOptions = {}) {
    this.capacity = Math.max(1, Math.floor(options.capacity ?? 1));
  }

  /** the sessions held now, least recently used first */
  get loaded(): readonly ManagedSession[] {
    return [...this.sessions.values()];
  }

  /** loads and disposals happen strictly one after another */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** the session of `modelPath` on `provider`; `label` names the model in errors ("The UNet") */
  get(modelPath: string, provider: ProviderName, label = `The model ${modelPath}`): Promise<ManagedSession> {
    return this.serial(async () => {
      const key = keyOf(modelPath, provider);
      const held = this.sessions.get(key);
      if (held) {
        this.sessions.delete(key);
        this.sessions.set(key, held);
        this.stats.reuses++;
        this.options.onEvent?.({ type: 'reuse', modelPath, provider });
        return held;
      }
      while (this.sessions.size >= this.capacity) await this.evictOldest();
      if (!existsSync(modelPath)) {
        throw new UserError('model-missing', `${label} is missing: ${modelPath} does not exist.`, 'Check the model folder; a Stable Diffusion ONNX folder has text_encoder/, unet/, vae_encoder/ and vae_decoder/ with model.onnx in each.');
      }
      const create = this.options.create ?? ((p: string, o: ort.InferenceSession.SessionOptions) => ort.InferenceSession.create(p, o));
      const started = performance.now();
      let session: ort.InferenceSession;
      try {
        session = await create(modelPath, sessionOptionsFor(provider, this.options.sessionOptions));
      } catch (err) {
        throw new UserError(
          'model-load-failed',
          `${label} could not be loaded with the ${provider} provider.`,
          onnxruntimeHint(err, provider, 'The file may be damaged, incomplete (model.onnx_data beside it?), not ONNX, or use operators this onnxruntime lacks; run `r2r models inspect` on the folder or export it again', modelPath),
          { cause: err },
        );
      }
      const ms = performance.now() - started;
      let managed: ManagedSession;
      try {
        managed = new ManagedSession(modelPath, provider, session, ms, label);
      } catch (err) {
        await session.release();
        throw err;
      }
      this.sessions.set(key, managed);
      this.stats.loads++;
      this.stats.loadMs += ms;
      this.options.onEvent?.({ type: 'load', modelPath, provider, ms });
      return managed;
    });
  }

  private async evictOldest(): Promise<void> {
    const [key, oldest] = this.sessions.entries().next().value as [string, ManagedSession];
    this.sessions.delete(key);
    await oldest.release();
    this.stats.disposals++;
    this.options.onEvent?.({ type: 'dispose', modelPath: oldest.modelPath, provider: oldest.provider });
  }

  /** releases every session (after their runs in progress) */
  close(): Promise<void> {
    return this.serial(async () => {
      while (this.sessions.size > 0) await this.evictOldest();
    });
  }
}
