import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** every entry under `dir` (links not followed): a file's size, mtime and sha256, a link's target */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      if (st.isSymbolicLink()) out[r] = `link -> ${readlinkSync(join(dir, r))}`;
      else if (st.isDirectory()) {
        out[r] = 'dir';
        walk(r);
      } else out[r] = `${st.size} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(join(dir, r))).digest('hex')}`;
    }
  };
  walk('');
  return out;
}

/** the symbolic links under `dir`, relative to it (an adapted copy must have none) */
export function linksUnder(dir: string): string[] {
  return Object.entries(snapshot(dir))
    .filter(([, v]) => v.startsWith('link'))
    .map(([k]) => k);
}
