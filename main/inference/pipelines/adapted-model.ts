import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../common/errors';
import { assertWritableInside } from '../../common/inside-root';
import { selfAttentionByLevel } from '../models/adapt-tac';
import { ADAPTED_MARKER, adaptedCopyIsCurrent, adaptModelFolder, type AdaptFolderReport } from '../models/adapt-folder';
import { FileHashMemo } from '../models/fingerprint-memo';
import { readModel } from '../onnx/read-model';
import { leastRecentlyUsedOverCap, type CacheEntry } from './shot-cache';

/** the adapted copies' share of the cache folder before the least recently used go (an SD 1.5 copy is about 2 GB in fp16, 4 GB in fp32) */
export const ADAPTED_CACHE_MAX_BYTES = 16 * 2 ** 30;

export interface AdaptOptions {
  /** how many of the UNet's highest-resolution attn1 levels get TAC (2: SD 1.x's down_blocks.0/1, up_blocks.2/3) */
  tacLevels: number;
  /** also reference attention at every attn1 level (dressing); a copy of its own */
  reference?: boolean;
}

export interface AdaptedModelRun {
  onProgress?: (label: string) => void;
  signal?: AbortSignal;
  /** file hashes to reuse (the cache's memo); default a fresh one */
  hashes?: FileHashMemo;
  /** the adapted copies kept together (default ADAPTED_CACHE_MAX_BYTES) */
  maxBytes?: number;
}

export interface AdaptedModel {
  /** the adapted copy: every component, the UNet with TAC inputs, the text encoder with extra embedding rows */
  dir: string;
  report: AdaptFolderReport;
  /** it was built now rather than found in the cache */
  built: boolean;
}

export interface AdaptedCacheEntry extends CacheEntry {
  /** the model folder it was made from */
  source: string;
  tacLevels: number[];
  /** the shot cache's id of the model as it was adapted (shotModelId) */
  modelId: string | undefined;
}

/** the id shots of a model record in the shot cache: its content fingerprint and the UNet levels with TAC */
export function shotModelId(contentFingerprint: string, tacLevels: readonly number[]): string {
  return createHash('sha256').update(JSON.stringify({ content: contentFingerprint, tac: tacLevels })).digest('hex').slice(0, 32);
}

function adaptedRoot(cacheDir: string): string {
  return join(cacheDir, 'adapted');
}

/**
 * The model folder adapted by the ONNX toolkit's adaptModelFolder, made once per (source
 * folder, options) and reused while every file of the source has the same content, under
 * `<cacheDir>/adapted/`. The copy is built in a temporary folder and renamed into place, so
 * an interrupted build leaves nothing half-made; nothing it writes leaves `cacheDir`. Each
 * use marks the copy used; after a build the least recently used copies go until the rest
 * fit in `maxBytes` (the one just built stays).
 */
export function adaptedModel(dir: string, cacheDir: string, opts: AdaptOptions, run: AdaptedModelRun = {}): AdaptedModel {
  if (!Number.isInteger(opts.tacLevels) || opts.tacLevels < 1) throw new UserError('bad-option', `TAC levels must be a whole number of at least 1, got ${opts.tacLevels}`);
  const hashes = run.hashes ?? FileHashMemo.inMemory();
  const key = createHash('sha256').update(JSON.stringify({ dir: resolve(dir), opts })).digest('hex').slice(0, 24);
  const target = join(adaptedRoot(cacheDir), key);
  const readReport = () => JSON.parse(readFileSync(join(target, ADAPTED_MARKER), 'utf8')) as AdaptFolderReport;
  if (adaptedCopyIsCurrent(target, hashes)) {
    markUsed(target);
    return { dir: target, report: readReport(), built: false };
  }
  run.onProgress?.('adapting the model (first use)');
  const unetPath = join(dir, 'unet', 'model.onnx');
  const available = [...selfAttentionByLevel(readModel(unetPath), unetPath).keys()];
  const levels = available.slice(0, opts.tacLevels);
  const tmp = `${target}.${process.pid}.tmp`;
  mkdirSync(cacheDir, { recursive: true });
  assertWritableInside(cacheDir, tmp);
  assertWritableInside(cacheDir, target);
  rmSync(tmp, { recursive: true, force: true });
  try {
    adaptModelFolder(dir, tmp, {
      root: cacheDir,
      tac: { levels, tokenMask: true },
      ...(opts.reference ? { reference: {} } : {}),
      textualInversion: true,
      signal: run.signal,
      hashes,
      onProgress: (done, total, label) => run.onProgress?.(`adapting the model (first use): ${label} ${Math.round(done)}/${Math.round(total)} MiB`),
    });
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (!existsSync(join(target, ADAPTED_MARKER))) throw new Error(`adapted copy ${target} has no ${ADAPTED_MARKER}`);
  evictAdaptedModels(cacheDir, run.maxBytes ?? ADAPTED_CACHE_MAX_BYTES, target);
  return { dir: target, report: readReport(), built: true };
}

/** the marker's modification time is the copy's last use */
function markUsed(dir: string): void {
  const now = new Date();
  try {
    utimesSync(join(dir, ADAPTED_MARKER), now, now);
  } catch {
    // a read-only cache still serves the copy; it only ages sooner
  }
}

function folderBytes(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = lstatSync(p);
    n += s.isDirectory() ? folderBytes(p) : s.size;
  }
  return n;
}

/** the finished adapted copies in the cache, with their sizes, sources and last use */
export function listAdaptedModels(cacheDir: string): AdaptedCacheEntry[] {
  const root = adaptedRoot(cacheDir);
  if (!existsSync(root)) return [];
  const out: AdaptedCacheEntry[] = [];
  for (const name of readdirSync(root).sort()) {
    const path = join(root, name);
    const marker = join(path, ADAPTED_MARKER);
    if (name.endsWith('.tmp') || !existsSync(marker)) continue;
    let report: Partial<AdaptFolderReport> = {};
    try {
      report = JSON.parse(readFileSync(marker, 'utf8')) as AdaptFolderReport;
    } catch {
      // a damaged marker: listed (and evicted) by size and age alone
    }
    out.push({ path, bytes: folderBytes(path), lastUsed: lstatSync(marker).mtimeMs, source: report.source ?? '', tacLevels: report.tac?.levels ?? [], modelId: report.sourceContent && report.tac ? shotModelId(report.sourceContent, report.tac.levels) : undefined });
  }
  return out;
}

/** removes the least recently used adapted copies until the rest fit in `maxBytes` (never `keep`) */
export function evictAdaptedModels(cacheDir: string, maxBytes: number, keep?: string): AdaptedCacheEntry[] {
  const gone = leastRecentlyUsedOverCap(listAdaptedModels(cacheDir), maxBytes, keep);
  for (const e of gone) removeInside(cacheDir, e.path);
  return gone;
}

/** removes every adapted copy, and partial builds whose process is gone */
export function clearAdaptedModels(cacheDir: string): { entries: number; bytes: number } {
  const all = listAdaptedModels(cacheDir);
  for (const e of all) removeInside(cacheDir, e.path);
  const root = adaptedRoot(cacheDir);
  for (const name of existsSync(root) ? readdirSync(root) : []) {
    const pid = /\.(\d+)\.tmp$/.exec(name)?.[1];
    if (pid && !processRuns(Number(pid))) removeInside(cacheDir, join(root, name));
  }
  return { entries: all.length, bytes: all.reduce((a, e) => a + e.bytes, 0) };
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeInside(cacheDir: string, path: string): void {
  assertWritableInside(cacheDir, path);
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // a copy another process has open (Windows refuses to remove it): it goes next time
  }
}
