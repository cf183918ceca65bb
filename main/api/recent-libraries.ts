import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { configDir } from '../common/config-dir';
import { readJsonFile, writeJsonFile } from '../common/json-file';

export { configDir };

export const MAX_RECENT = 10;

const pathSchema = z.string().min(1).max(4096);
const recentSchema = z.union([
  z.object({
    version: z.literal(1),
    libraries: z.array(z.object({ path: pathSchema, openedAt: z.number().int().nonnegative() })).max(100),
  }),
  // the first studio builds wrote a bare list, newest first: read it once, write the versioned form
  z
    .array(pathSchema)
    .max(100)
    .transform((paths) => ({ version: 1 as const, libraries: paths.map((path, i) => ({ path, openedAt: paths.length - i })) })),
]);

export interface RecentLibrary {
  path: string;
  openedAt: number;
}

/** the one recent-libraries list: the desktop app's menu, the UI's picker and `r2r serve` share it */
export function recentLibrariesFile(): string {
  return join(configDir(), 'recent-libraries.json');
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
