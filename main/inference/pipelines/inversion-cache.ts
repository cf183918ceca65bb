import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

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
  /** how the VAE encode was tiled */
  tiling: unknown;
}

export interface InvertedLatents {
  channels: number;
  width: number;
  height: number;
  /** latents[i] after i inversion steps; latents[0] is the encoded image */
  latents: Float32Array[];
}

const MAGIC = 'R2RINV1\n';

export function inversionKeyHash(key: InversionKey): string {
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 40);
}

/** the default cache folder: $R2R_CACHE_DIR, else $XDG_CACHE_HOME/r2r-studio, else ~/.cache/r2r-studio */
export function defaultCacheDir(): string {
  if (process.env.R2R_CACHE_DIR) return process.env.R2R_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'r2r-studio');
}

/**
 * Inverted latents on disk, one file per key, the least recently used files removed when
 * the folder grows over `maxBytes`. Reads that fail (a truncated or foreign file) count as misses.
 */
export class InversionCache {
  readonly dir: string;
  readonly maxBytes: number;

  constructor(dir: string, maxBytes = 1 << 30) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  private file(hash: string): string {
    return join(this.dir, `${hash}.inv`);
  }

  async get(key: InversionKey): Promise<InvertedLatents | undefined> {
    const hash = inversionKeyHash(key);
    const path = this.file(hash);
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
      const header = JSON.parse(bytes.toString('utf8', headerStart, headerStart + headerLen)) as { hash: string; count: number; channels: number; width: number; height: number };
      if (header.hash !== hash) return undefined;
      const per = header.channels * header.width * header.height;
      let offset = headerStart + headerLen;
      offset += (4 - (offset % 4)) % 4;
      if (bytes.length !== offset + header.count * per * 4) return undefined;
      const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + bytes.length));
      const latents = Array.from({ length: header.count }, (_, i) => all.subarray(i * per, (i + 1) * per));
      const now = new Date();
      await utimes(path, now, now).catch(() => undefined);
      return { channels: header.channels, width: header.width, height: header.height, latents };
    } catch {
      return undefined;
    }
  }

  async put(key: InversionKey, inv: InvertedLatents): Promise<void> {
    const hash = inversionKeyHash(key);
    await mkdir(this.dir, { recursive: true });
    const header = Buffer.from(JSON.stringify({ hash, count: inv.latents.length, channels: inv.channels, width: inv.width, height: inv.height }), 'utf8');
    const prefix = MAGIC.length + 4 + header.length;
    const pad = (4 - (prefix % 4)) % 4;
    const per = inv.channels * inv.width * inv.height;
    const out = Buffer.alloc(prefix + pad + inv.latents.length * per * 4);
    out.write(MAGIC, 0, 'latin1');
    out.writeUInt32LE(header.length, MAGIC.length);
    header.copy(out, MAGIC.length + 4);
    const body = new Float32Array(out.buffer, out.byteOffset + prefix + pad, inv.latents.length * per);
    inv.latents.forEach((l, i) => body.set(l, i * per));
    const path = this.file(hash);
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, out);
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await this.evict(path);
  }

  /** removes the least recently used entries until the folder fits in maxBytes (never `keep`) */
  async evict(keep?: string): Promise<void> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => n.endsWith('.inv'));
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
