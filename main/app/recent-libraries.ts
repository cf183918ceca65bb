import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeJsonFile } from './json-file';

export const MAX_RECENT = 10;

const recentSchema = z.object({
  version: z.literal(1),
  libraries: z.array(z.object({ path: z.string().min(1).max(4096), openedAt: z.number().int().nonnegative() })).max(100),
});

export interface RecentLibrary {
  path: string;
  openedAt: number;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** newest first, each folder once, at most MAX_RECENT */
export function addRecent(list: readonly RecentLibrary[], path: string, now = Date.now()): RecentLibrary[] {
  const abs = resolve(path);
  return [{ path: abs, openedAt: now }, ...list.filter((r) => r.path !== abs)].slice(0, MAX_RECENT);
}

/**
 * The recent libraries from their file, checked: relative paths, duplicates and folders
 * that no longer exist (a disk unplugged, a library deleted) are left out.
 */
export function loadRecent(file: string, exists: (path: string) => boolean = isFolder): RecentLibrary[] {
  const data = readJsonFile(file, recentSchema);
  if (!data) return [];
  const seen = new Set<string>();
  const out: RecentLibrary[] = [];
  for (const r of [...data.libraries].sort((a, b) => b.openedAt - a.openedAt)) {
    if (!isAbsolute(r.path) || r.path.includes('\0') || seen.has(r.path) || !exists(r.path)) continue;
    seen.add(r.path);
    out.push(r);
  }
  return out.slice(0, MAX_RECENT);
}

export function saveRecent(file: string, list: readonly RecentLibrary[]): void {
  writeJsonFile(file, { version: 1, libraries: list.slice(0, MAX_RECENT) });
}
