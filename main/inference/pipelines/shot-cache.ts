import { createHash } from 'node:crypto';
import { open, readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-write';

/**
 * What an inversion depends on. Two shots with the same key have the same inverted
 * latents, so a re-tuned shot (other TAC ratio, guidance, prompt, negative, masks) skips
 * the VAE encode and the inversion.
 */
export interface InversionKey {
  /** the loaded model's id: the SHA-256 content fingerprint of every file a shot reads, with the TAC levels */
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

/** one file or folder of a size-capped cache */
export interface CacheEntry {
  path: string;
  bytes: number;
  /** ms since the epoch of its last read or write */
  lastUsed: number;
}

export interface ShotCacheEntry extends CacheEntry {
  kind: 'inversion' | 'trajectory';
  /** the file name without its extension: the key's hash */
  hash: string;
}

export interface ShotCacheEntryOrigin {
  /** an inversion's model id */
  modelId?: string;
  /** a trajectory's inversion hash */
  inversion?: string;
}

/**
 * The entries to remove, least recently used first, so that the rest fit in `maxBytes`;
 * `keep` (the entry just written or opened) is never among them. The shot cache and the
 * adapted models share it.
 */
export function leastRecentlyUsedOverCap<E extends CacheEntry>(entries: readonly E[], maxBytes: number, keep?: string): E[] {
  let total = entries.reduce((a, e) => a + e.bytes, 0);
  const out: E[] = [];
  for (const e of [...entries].sort((a, b) => a.lastUsed - b.lastUsed || a.path.localeCompare(b.path))) {
    if (total <= maxBytes) break;
    if (e.path === keep) continue;
    out.push(e);
    total -= e.bytes;
  }
  return out;
}

interface StackHeader {
  hash: string;
  count: number;
  channels: number;
  width: number;
  height: number;
  tacSteps?: number;
  /** an inversion's model id; a trajectory's inversion (so `r2r cache` can name the model of each entry) */
  modelId?: string;
  inversion?: string;
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
    await this.write(cacheKeyHash(key), 'inv', { ...inv, modelId: key.modelId });
  }

  async getTrajectory(key: TrajectoryKey): Promise<GenerationTrajectory | undefined> {
    const s = await this.read(cacheKeyHash(key), 'traj');
    return s?.tacSteps === undefined ? undefined : { channels: s.channels, width: s.width, height: s.height, tacSteps: s.tacSteps, latents: s.latents };
  }

  async putTrajectory(key: TrajectoryKey, traj: GenerationTrajectory): Promise<void> {
    await this.write(cacheKeyHash(key), 'traj', { ...traj, inversion: key.inversion });
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
    const fields: StackHeader = { hash, count: stack.latents.length, channels: stack.channels, width: stack.width, height: stack.height, tacSteps: stack.tacSteps, modelId: stack.modelId, inversion: stack.inversion };
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

  /** what the folder holds: each entry with its size and last use (a read or a write) */
  async entries(): Promise<ShotCacheEntry[]> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => n.endsWith('.inv') || n.endsWith('.traj'));
    const entries = await Promise.all(
      names.map(async (n) => {
        const path = join(this.dir, n);
        const s = await stat(path).catch(() => undefined);
        const kind = n.endsWith('.inv') ? ('inversion' as const) : ('trajectory' as const);
        return s && { path, kind, hash: n.slice(0, n.lastIndexOf('.')), bytes: s.size, lastUsed: s.mtimeMs };
      }),
    );
    return entries.filter((e) => e !== undefined);
  }

  /** what an entry's header says it came from, without reading its latents (nothing for an older or damaged file) */
  async origin(entry: ShotCacheEntry): Promise<ShotCacheEntryOrigin> {
    const fh = await open(entry.path, 'r').catch(() => undefined);
    if (!fh) return {};
    try {
      const head = Buffer.alloc(4096);
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      if (bytesRead < MAGIC.length + 4 || head.toString('latin1', 0, MAGIC.length) !== MAGIC) return {};
      const len = head.readUInt32LE(MAGIC.length);
      const start = MAGIC.length + 4;
      if (start + len > bytesRead) return {};
      const header = JSON.parse(head.toString('utf8', start, start + len)) as StackHeader;
      return { modelId: typeof header.modelId === 'string' ? header.modelId : undefined, inversion: typeof header.inversion === 'string' ? header.inversion : undefined };
    } catch {
      return {};
    } finally {
      await fh.close();
    }
  }

  /** removes the least recently used entries until the folder fits in maxBytes (never `keep`) */
  async evict(keep?: string): Promise<void> {
    for (const e of leastRecentlyUsedOverCap(await this.entries(), this.maxBytes, keep)) await unlink(e.path).catch(() => undefined);
  }

  /** removes every entry; returns how many and their bytes */
  async clear(): Promise<{ entries: number; bytes: number }> {
    const all = await this.entries();
    for (const e of all) await unlink(e.path).catch(() => undefined);
    return { entries: all.length, bytes: all.reduce((a, e) => a + e.bytes, 0) };
  }
}
