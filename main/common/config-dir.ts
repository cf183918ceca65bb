import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** where the studio keeps per-user settings; R2R_CONFIG_DIR moves it (tests, portable installs) */
export function configDir(): string {
  if (process.env.R2R_CONFIG_DIR) return resolve(process.env.R2R_CONFIG_DIR);
  const base = process.env.XDG_CONFIG_HOME || (process.platform === 'darwin' ? join(homedir(), 'Library', 'Application Support') : join(homedir(), '.config'));
  return join(base, 'r2r-studio');
}
