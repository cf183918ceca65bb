import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../../main/common/version';

const root = projectRoot();
const dirs: string[] = [];

/** a copy of bin/start.js next to a copy of the electron package's own index.js (no binary) */
function sandbox(withPathTxt: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'r2r-start-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(root, 'bin/start.js'), join(dir, 'bin/start.js'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'r2r-studio', type: 'module' }));
  const electron = join(dir, 'node_modules/electron');
  mkdirSync(electron, { recursive: true });
  copyFileSync(join(root, 'node_modules/electron/index.js'), join(electron, 'index.js'));
  copyFileSync(join(root, 'node_modules/electron/package.json'), join(electron, 'package.json'));
  if (withPathTxt) writeFileSync(join(electron, 'path.txt'), 'electron');
  return dir;
}

function start(dir: string) {
  const env = { ...process.env };
  delete env.ELECTRON_OVERRIDE_DIST_PATH;
  return spawnSync(process.execPath, [join(dir, 'bin/start.js')], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('npm start without the Electron binary', () => {
  it('says what is missing and how to get it, and exits non-zero (download skipped)', () => {
    const r = start(sandbox(false));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the Electron binary is not installed/);
    expect(r.stderr).toMatch(/npm run setup:electron/);
    expect(r.stderr).toMatch(/r2r serve/);
    expect(r.stderr).not.toMatch(/at .*\(.*:\d+:\d+\)/);
    expect(r.stdout).toBe('');
  });

  it('says the same when the package names a binary that is not there', () => {
    const r = start(sandbox(true));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the Electron binary is not installed/);
  });

  it('says the same when the electron package is absent altogether', () => {
    const dir = sandbox(false);
    rmSync(join(dir, 'node_modules'), { recursive: true });
    const r = start(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the Electron binary is not installed/);
  });
});
