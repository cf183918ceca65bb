import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../common/atomic-write';
import { configDir } from '../common/config-dir';
import { readJsonFile } from '../common/json-file';
import { UserError } from '../common/errors';
import { redisOptions } from './redis-url';

/**
 * The studio's remote workers: the Redis URL its exports enqueue shots on. One per user, in the
 * config folder, readable by its owner only (the URL may hold the password); the job worker
 * reads it when an export asks for remote workers, so the password never travels in job params.
 */
export function remoteSettingsFile(dir = configDir()): string {
  return join(dir, 'remote-workers.json');
}

const fileSchema = z.object({ url: z.string().min(1).max(4096) });

export function readRemoteUrl(file = remoteSettingsFile()): string | undefined {
  return readJsonFile(file, fileSchema)?.url;
}

/** a URL that parses as Redis (the connection is the caller's to test) */
export function saveRemoteUrl(url: string, file = remoteSettingsFile()): void {
  redisOptions(url);
  writeFileAtomic(file, JSON.stringify({ url }, null, 2) + '\n', { mode: 0o600 });
}

export function forgetRemoteUrl(file = remoteSettingsFile()): boolean {
  const had = readRemoteUrl(file) !== undefined;
  rmSync(file, { force: true });
  return had;
}

/** the URL an export on remote workers uses, or what to do when none is set */
export function requireRemoteUrl(file = remoteSettingsFile()): string {
  const url = readRemoteUrl(file);
  if (!url) {
    throw new UserError('remote-workers-not-set', 'no remote workers are set up', 'Open Settings → Remote workers, enter the Redis URL your `r2r worker`s use and connect.');
  }
  return url;
}
