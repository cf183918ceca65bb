import { existsSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ADAPTED_CACHE_MAX_BYTES, clearAdaptedModels, listAdaptedModels } from '../../inference/pipelines/adapted-model';
import { defaultCacheDir, ShotCache } from '../../inference/pipelines/shot-cache';
import { FileHashMemo, HASH_MEMO_FILE } from '../../inference/models/fingerprint-memo';
import type { CliCommand, CliContext } from '../command';
import { optString, printResult } from '../command';

const cacheDirOption = { type: 'string', help: 'the cache folder (default $R2R_CACHE_DIR or ~/.cache/r2r-studio)' } as const;

function cacheDirOf(ctx: CliContext): string {
  return optString(ctx, 'cache-dir') ?? defaultCacheDir();
}

/** the shot cache as runR2RShot keeps it */
function shotCacheOf(dir: string): ShotCache {
  return new ShotCache(join(dir, 'inversions'));
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export interface CacheReport {
  dir: string;
  adapted: {
    dir: string;
    bytes: number;
    maxBytes: number;
    entries: { path: string; model: string; source: string; tacLevels: number[]; bytes: number; lastUsed: string | null }[];
  };
  shots: {
    dir: string;
    bytes: number;
    maxBytes: number;
    entries: number;
    lastUsed: string | null;
    /** per model: the adapted copy's model name, or 'unknown' for a model changed or no longer adapted */
    models: { model: string; modelId: string | null; inversions: number; trajectories: number; bytes: number; lastUsed: string | null }[];
  };
  fileHashes: { path: string; entries: number };
}

async function cacheReport(dir: string): Promise<CacheReport> {
  const adapted = listAdaptedModels(dir).sort((a, b) => b.lastUsed - a.lastUsed);
  const names = new Map(adapted.filter((a) => a.modelId).map((a) => [a.modelId!, basename(a.source)]));
  const shots = shotCacheOf(dir);
  const entries = await shots.entries();
  const origins = new Map(await Promise.all(entries.map(async (e) => [e.hash, await shots.origin(e)] as const)));
  const byModel = new Map<string, CacheReport['shots']['models'][number] & { last: number }>();
  for (const e of entries) {
    const o = origins.get(e.hash)!;
    const modelId = o.modelId ?? (o.inversion ? origins.get(o.inversion)?.modelId : undefined) ?? null;
    const group = byModel.get(modelId ?? '') ?? { model: (modelId && names.get(modelId)) || 'unknown', modelId, inversions: 0, trajectories: 0, bytes: 0, lastUsed: null, last: 0 };
    if (e.kind === 'inversion') group.inversions++;
    else group.trajectories++;
    group.bytes += e.bytes;
    group.last = Math.max(group.last, e.lastUsed);
    byModel.set(modelId ?? '', group);
  }
  const models = [...byModel.values()].sort((a, b) => b.last - a.last).map(({ last, ...g }) => ({ ...g, lastUsed: iso(last) }));
  const newest = entries.length ? Math.max(...entries.map((e) => e.lastUsed)) : undefined;
  return {
    dir,
    adapted: {
      dir: join(dir, 'adapted'),
      bytes: adapted.reduce((a, e) => a + e.bytes, 0),
      maxBytes: ADAPTED_CACHE_MAX_BYTES,
      entries: adapted.map((a) => ({ path: a.path, model: basename(a.source) || 'unknown', source: a.source, tacLevels: a.tacLevels, bytes: a.bytes, lastUsed: iso(a.lastUsed) })),
    },
    shots: { dir: shots.dir, bytes: entries.reduce((a, e) => a + e.bytes, 0), maxBytes: shots.maxBytes, entries: entries.length, lastUsed: iso(newest), models },
    fileHashes: { path: join(dir, HASH_MEMO_FILE), entries: FileHashMemo.open(dir).size },
  };
}

function humanReport(r: CacheReport): string {
  const lines = [`Cache ${r.dir}`, `Adapted models: ${r.adapted.entries.length}, ${mib(r.adapted.bytes)} of ${mib(r.adapted.maxBytes)}`];
  for (const e of r.adapted.entries) lines.push(`  ${e.model.padEnd(24)} ${mib(e.bytes).padStart(12)}  last used ${e.lastUsed}  (${e.source}, TAC levels ${e.tacLevels.join(',')})`);
  lines.push(`Shots: ${r.shots.entries} entries, ${mib(r.shots.bytes)} of ${mib(r.shots.maxBytes)}${r.shots.lastUsed ? `, last used ${r.shots.lastUsed}` : ''}`);
  for (const m of r.shots.models) lines.push(`  ${m.model.padEnd(24)} ${String(m.inversions).padStart(4)} inversions ${String(m.trajectories).padStart(4)} trajectories ${mib(m.bytes).padStart(12)}  last used ${m.lastUsed}`);
  lines.push(`File hashes remembered: ${r.fileHashes.entries}`);
  return lines.join('\n');
}

export const cacheCommand: CliCommand = {
  name: 'cache',
  summary: 'show the adapted models and the cached shots (sizes, entries, models, last use)',
  usage: '[--cache-dir <dir>] [--json]',
  options: {
    'cache-dir': cacheDirOption,
    json: { type: 'boolean', help: 'print both caches with every adapted model and the shots per model, as JSON' },
  },
  async run(ctx) {
    const report = await cacheReport(cacheDirOf(ctx));
    printResult(ctx, report, () => humanReport(report));
    return 0;
  },
};

export const cacheClearCommand: CliCommand = {
  name: 'cache clear',
  summary: 'remove every adapted model, cached shot and remembered file hash (they are rebuilt on next use)',
  usage: '[--cache-dir <dir>] [--json]',
  options: {
    'cache-dir': cacheDirOption,
    json: { type: 'boolean', help: 'print what was removed (entries and bytes of each cache) as JSON' },
  },
  async run(ctx) {
    const dir = cacheDirOf(ctx);
    const adapted = clearAdaptedModels(dir);
    const shots = await shotCacheOf(dir).clear();
    const memo = join(dir, HASH_MEMO_FILE);
    const fileHashes = existsSync(memo) ? FileHashMemo.open(dir).size : 0;
    if (existsSync(memo) && statSync(memo).isFile()) rmSync(memo);
    const removed = { dir, adapted, shots, fileHashes };
    printResult(ctx, removed, () => `removed ${adapted.entries} adapted models (${mib(adapted.bytes)}), ${shots.entries} cached shots (${mib(shots.bytes)}) and ${fileHashes} remembered file hashes from ${dir}`);
    return 0;
  },
};
