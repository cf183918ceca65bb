import { createHash } from 'node:crypto';
import { readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-write';

/**
 * What an inversion depends on. Two shots with the same key have the same inverted
 * latents, so a re-tuned shot (other TAC ratio, guidance, prompt, negative, masks) skips
 * the VAE encode and the inversion.
 */
export interface InversionKey {
  modelId: string;
  provider: string;
  /** hash of the model-canvas input (source pixels, fit and background) */
  imageHash: string;
  width: number;
  height: number;
  steps: number;
  strength: number;
  /** the scheduler configuration as read from the model */
  scheduler: unknown;
  /** the prompt the inversion runs with (the empty prompt for R2R) */
  inversionPrompt: string;
  /** the order the inversion visited the timesteps ('official' or 'ddim'): the stored latents differ */
  inversionOrder: string;
  /** how the VAE encode ran: 'whole', or the tiles */
  tiling: unknown;
}

export interface InvertedLatents {
  channels: number;
  width: number;
  height: number;
  /** latents[i] after i inversion steps; latents[0] is the encoded image */
  latents: Float32Array[];
}

/**
 * What a generation's latents depend on besides the TAC ratio. The TAC ratio only decides
 * from which step on the conditional row stops taking the reference's query and key, so two
 * shots with the same key and TAC steps T and T' run the same first min(T, T') steps.
 */
export interface TrajectoryKey {
  /** inversionKeyHash of the shot's inversion */
  inversion: string;
  guidance: number;
  /** hash of the negative and conditional text embeddings (prompt, negative, embedding file) */
  text: string;
  /** hashes of the edit and texture-lock masks at latent size; null when absent */
  editMask: string | null;
  textureLock: string | null;
}

export interface GenerationTrajectory {
  channels: number;
  width: number;
  height: number;
  /** the TAC steps it ran with */
  tacSteps: number;
  /** latents[j] after j + 1 generation steps; fewer than K when the shot was cancelled */
  latents: Float32Array[];
}

const MAGIC = 'R2RINV1\n';

interface StackHeader {
  hash: string;
  count: number;
  channels: number;
  width: number;
  height: number;
  tacSteps?: number;
}

type Stack = Omit<StackHeader, 'hash' | 'count'> & { latents: Float32Array[] };

export function cacheKeyHash(key: InversionKey | TrajectoryKey): string {
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 40);
}

/** the default cache folder: $R2R_CACHE_DIR, else $XDG_CACHE_HOME/r2r-studio, else ~/.cache/r2r-studio */
export function defaultCacheDir(): string {
  if (process.env.R2R_CACHE_DIR) return process.env.R2R_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'r2r-studio');
}

/**
 * How many steps of a stored trajectory a shot with `tacSteps` of K TAC steps takes as they
 * are: all it has when the TAC steps are the same, else those before the first step where
 * one of the two runs TAC and the other does not.
 */
export function reusableSteps(stored: Pick<GenerationTrajectory, 'tacSteps' | 'latents'>, tacSteps: number, k: number): number {
  const agree = stored.tacSteps === tacSteps ? k : Math.min(stored.tacSteps, tacSteps);
  return Math.min(stored.latents.length, agree, k);
}

/**
 * What a shot leaves for later shots of the same render, on disk, one file per key: its
 * inverted latents (`.inv`) and its generation trajectory (`.traj`). The least recently used
 * files are removed when the folder grows over `maxBytes`. Reads that fail (a truncated or
 * foreign file) count as misses; writes go to a temporary file renamed into place.
 */
export class ShotCache {
  readonly dir: string;
  readonly maxBytes: number;

  constructor(dir: string, maxBytes = 1 << 30) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  async getInversion(key: InversionKey): Promise<InvertedLatents | undefined> {
    const s = await this.read(cacheKeyHash(key), 'inv');
    return s && { channels: s.channels, width: s.width, height: s.height, latents: s.latents };
  }

  async putInversion(key: InversionKey, inv: InvertedLatents): Promise<void> {
    await this.write(cacheKeyHash(key), 'inv', inv);
  }

  async getTrajectory(key: TrajectoryKey): Promise<GenerationTrajectory | undefined> {
    const s = await this.read(cacheKeyHash(key), 'traj');
    return s?.tacSteps === undefined ? undefined : { channels: s.channels, width: s.width, height: s.height, tacSteps: s.tacSteps, latents: s.latents };
  }

  async putTrajectory(key: TrajectoryKey, traj: GenerationTrajectory): Promise<void> {
    await this.write(cacheKeyHash(key), 'traj', traj);
  }

  private file(hash: string, ext: string): string {
    return join(this.dir, `${hash}.${ext}`);
  }

  private async read(hash: string, ext: string): Promise<Stack | undefined> {
    const path = this.file(hash, ext);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      return undefined;
    }
    try {
      if (bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
      const headerLen = bytes.readUInt32LE(MAGIC.length);
      const headerStart = MAGIC.length + 4;
      const header = JSON.parse(bytes.toString('utf8', headerStart, headerStart + headerLen)) as StackHeader;
      if (header.hash !== hash) return undefined;
      const per = header.channels * header.width * header.height;
      let offset = headerStart + headerLen;
      offset += (4 - (offset % 4)) % 4;
      if (bytes.length !== offset + header.count * per * 4) return undefined;
      const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + bytes.length));
      const latents = Array.from({ length: header.count }, (_, i) => all.subarray(i * per, (i + 1) * per));
      const now = new Date();
      await utimes(path, now, now).catch(() => undefined);
      return { channels: header.channels, width: header.width, height: header.height, tacSteps: header.tacSteps, latents };
    } catch {
      return undefined;
    }
  }

  private async write(hash: string, ext: string, stack: Stack): Promise<void> {
    const fields: StackHeader = { hash, count: stack.latents.length, channels: stack.channels, width: stack.width, height: stack.height, tacSteps: stack.tacSteps };
    const header = Buffer.from(JSON.stringify(fields), 'utf8');
    const prefix = MAGIC.length + 4 + header.length;
    const pad = (4 - (prefix % 4)) % 4;
    const per = stack.channels * stack.width * stack.height;
    const out = Buffer.alloc(prefix + pad + stack.latents.length * per * 4);
    out.write(MAGIC, 0, 'latin1');
    out.writeUInt32LE(header.length, MAGIC.length);
    header.copy(out, MAGIC.length + 4);
    const body = new Float32Array(out.buffer, out.byteOffset + prefix + pad, stack.latents.length * per);
    stack.latents.forEach((l, i) => body.set(l, i * per));
    const path = this.file(hash, ext);
    // a cache needs no fsync: losing the newest entry to a power cut costs one recomputation
    writeFileAtomic(path, out, { durable: false, insideRoot: this.dir });
    await this.evict(path);
  }

  /** removes the least recently used entries until the folder fits in maxBytes (never `keep`) */
  async evict(keep?: string): Promise<void> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => n.endsWith('.inv') || n.endsWith('.traj'));
    const entries = (
      await Promise.all(
        names.map(async (n) => {
          const p = join(this.dir, n);
          const s = await stat(p).catch(() => undefined);
          return s ? { path: p, size: s.size, mtime: s.mtimeMs } : undefined;
        }),
      )
    ).filter((e): e is { path: string; size: number; mtime: number } => e !== undefined);
    let total = entries.reduce((a, e) => a + e.size, 0);
    entries.sort((a, b) => a.mtime - b.mtime);
    for (const e of entries) {
      if (total <= this.maxBytes) break;
      if (e.path === keep) continue;
      await unlink(e.path).catch(() => undefined);
      total -= e.size;
    }
  }
}
