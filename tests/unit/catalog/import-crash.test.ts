import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createLibrary, LIBRARY_FILE, openLibrary } from '../../../main/catalog/library';
import { SCHEMA_VERSION } from '../../../main/catalog/migrations/index';
import { projectRoot } from '../../../main/common/version';
import { png, tempDir, writeFile } from './helpers';

const VIEWS = ['front_raster', 'front_raytrace', 'back_raster', 'back_raytrace'];

function r2r(args: string[]) {
  return spawn(process.execPath, [join(projectRoot(), 'bin/r2r.js'), ...args], { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(child: ReturnType<typeof r2r>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** per garment: how many renders it holds */
function renderCounts(libDir: string): Map<string, number> {
  const db = new Database(join(libDir, LIBRARY_FILE), { readonly: true });
  try {
    const rows = db
      .prepare('SELECT g.sku, count(r.id) AS n FROM garments g LEFT JOIN colorways c ON c.garment_id = g.id LEFT JOIN renders r ON r.colorway_id = c.id GROUP BY g.id')
      .all() as Array<{ sku: string; n: number }>;
    return new Map(rows.map((r) => [r.sku, r.n]));
  } finally {
    db.close();
  }
}

function integrity(libDir: string): { sqlite: string; fts: boolean } {
  const lib = openLibrary(libDir);
  try {
    const sqlite = lib.raw.pragma('integrity_check', { simple: true }) as string;
    lib.raw.prepare("INSERT INTO garment_search (garment_search) VALUES ('integrity-check')").run();
    return { sqlite, fts: true };
  } finally {
    lib.close();
  }
}

describe('import reliability', () => {
  it('survives SIGKILL half-way: the library is intact, holds whole garments, and a new import completes it', async () => {
    const src = tempDir('r2r-src-');
    const libDir = join(tempDir(), 'lib');
    createLibrary(libDir).close();
    // large noise images make each garment take a while to decode; hard links keep the fixture small on disk
    const side = 900;
    const big = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
    const original = join(src, 'original.bin');
    writeFileSync(original, big);
    const garments = 24;
    for (let g = 0; g < garments; g++) {
      const dir = join(src, 'coat', `CT-${String(g).padStart(3, '0')}`, 'camel');
      mkdirSync(dir, { recursive: true });
      for (const v of VIEWS) linkSync(original, join(dir, `${v}.png`));
    }

    const child = r2r(['import', src, '--library', libDir, '--json']);
    const done = exited(child);
    const progress: Array<{ done: number; total: number }> = [];
    child.stderr!.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line.startsWith('{')) progress.push(JSON.parse(line));
    });
    // watch the library as a second process would, and kill once half the garments are in
    const watcher = new Database(join(libDir, LIBRARY_FILE), { readonly: true });
    const count = watcher.prepare('SELECT count(*) FROM garments').pluck();
    let killedAt = -1;
    const timer = setInterval(() => {
      const n = count.get() as number;
      if (n >= garments / 2 && killedAt < 0) {
        killedAt = n;
        child.kill('SIGKILL');
      }
    }, 5);
    const first = await done;
    clearInterval(timer);
    watcher.close();
    expect(first.signal).toBe('SIGKILL');
    expect(progress[0]).toMatchObject({ event: 'progress', done: 0, total: garments * VIEWS.length });

    expect(integrity(libDir)).toEqual({ sqlite: 'ok', fts: true });
    const after = renderCounts(libDir);
    expect(after.size).toBeGreaterThanOrEqual(killedAt);
    expect(after.size).toBeLessThan(garments);
    for (const n of after.values()) expect(n).toBe(VIEWS.length);

    const second = await exited(r2r(['import', src, '--library', libDir, '--json']));
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout);
    expect(report.garments).toMatchObject({ found: garments, added: garments - after.size, unchanged: after.size });
    expect(report.renders.added).toBe((garments - after.size) * VIEWS.length);
    const final = renderCounts(libDir);
    expect(final.size).toBe(garments);
    for (const n of final.values()) expect(n).toBe(VIEWS.length);
    expect(integrity(libDir).sqlite).toBe('ok');
  });

  it('lets two processes migrate and import into one library at once (WAL, busy waits): nothing lost, nothing twice', async () => {
    const src = tempDir('r2r-src-');
    for (let g = 0; g < 10; g++) {
      for (const [i, v] of VIEWS.entries()) writeFile(src, `shirt/SH-${g}/white/${v}.png`, await png(32, 40, g * 4 + i));
    }
    // an empty database file (schema version 0): both processes race to migrate it too
    const libDir = join(tempDir(), 'lib');
    mkdirSync(libDir);
    writeFileSync(join(libDir, LIBRARY_FILE), '');
    const [a, b] = await Promise.all([exited(r2r(['import', src, '--library', libDir, '--json'])), exited(r2r(['import', src, '--library', libDir, '--json']))]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const added = JSON.parse(a.stdout).renders.added + JSON.parse(b.stdout).renders.added;
    expect(added).toBe(40);
    const counts = renderCounts(libDir);
    expect(counts.size).toBe(10);
    for (const n of counts.values()) expect(n).toBe(4);
    expect(integrity(libDir).sqlite).toBe('ok');
    const db = new Database(join(libDir, LIBRARY_FILE), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    // seeded once, not twice
    expect(db.prepare('SELECT count(*) FROM categories').pluck().get()).toBe(20);
    db.close();
  });
});
