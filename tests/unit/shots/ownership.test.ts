// orphan clean-up across processes: a studio (this process) opening a library while another
// process (a CLI export) holds a running shot must leave that shot alone, and settle it once
// the other process is killed
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getGeneration, insertGeneration, openLibrary, searchGarments, writeSampleLibrary, type Library } from '../../../main/catalog/index';
import { runningGenerations } from '../../../main/catalog/queries/generations';
import { LEASE_MS, settleOrphans, startOwnedGeneration, thisProcessOwner } from '../../../main/shots/ownership';

const dir = mkdtempSync(join(tmpdir(), 'r2r-shot-owners-'));
const libDir = join(dir, 'lib');
let lib: Library;
let renderId: number;
const children: ChildProcess[] = [];

/** starts the fixture process and resolves with it and the running generation it owns */
function holdRunningShot(): Promise<{ child: ChildProcess; id: number }> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(import.meta.dirname, 'fixtures/hold-running-shot.ts'), libDir, String(renderId)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, id: Number(out.trim()) });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`the fixture ended (${code}) before recording a shot: ${err}`)));
  });
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

beforeAll(async () => {
  await writeSampleLibrary(libDir, { garments: 1, colorways: 1, views: ['front'], width: 64, height: 80 });
  lib = openLibrary(libDir);
  renderId = searchGarments(lib, {}).garments[0]!.renders[0]!.id;
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  lib?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('orphan clean-up with two processes', () => {
  it("leaves another live process's running shot alone and fails it once that process is killed", async () => {
    const { child, id } = await holdRunningShot();
    const row = getGeneration(lib, id);
    expect(row.status).toBe('running');
    // a studio starting now, long after the shot began, must not take it for an orphan
    expect(settleOrphans(lib, { ownerlessBefore: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(getGeneration(lib, id).status).toBe('running');

    await killHard(child);
    expect(settleOrphans(lib)).toEqual([id]);
    expect(getGeneration(lib, id)).toMatchObject({ status: 'failed', error: expect.stringContaining(`interrupted: the process that ran it (pid ${child.pid} on `) });
    // settled once: a second clean-up finds nothing
    expect(settleOrphans(lib)).toEqual([]);
  });

  it('settles by its lease alone a shot owned on another machine, and any whose lease ran out (a reused pid)', async () => {
    const { child, id } = await holdRunningShot();
    try {
      // an owner on another machine cannot be asked whether it runs: its lease decides
      const remote = insertGeneration(lib, { source: { renderId }, model: '/m', seed: 2, status: 'running', owner: { ...thisProcessOwner(), host: 'render-farm-7', pid: 1 } });
      expect(settleOrphans(lib)).toEqual([]);
      expect(settleOrphans(lib, { now: Date.now() + LEASE_MS + 1000 })).toEqual([id, remote.id]);
    } finally {
      await killHard(child);
    }
  });

  it('renews the lease while the shot runs and stops once released', () => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
    try {
      const owned = startOwnedGeneration(lib, { source: { renderId }, model: '/m', seed: 3 });
      const lease = () => runningGenerations(lib).find((g) => g.id === owned.generation.id)!.owner!.leaseUntil;
      expect(lease()).toBe(new Date(Date.parse('2026-01-01T00:00:00Z') + LEASE_MS).toISOString());
      vi.advanceTimersByTime(LEASE_MS * 2);
      // two lease spans later it still vouches for the shot
      expect(Date.parse(lease())).toBeGreaterThan(Date.now() + LEASE_MS / 2);
      expect(settleOrphans(lib)).toEqual([]);
      owned.release();
      const last = lease();
      vi.advanceTimersByTime(LEASE_MS * 2);
      expect(lease()).toBe(last);
      expect(settleOrphans(lib)).toEqual([owned.generation.id]);
    } finally {
      vi.useRealTimers();
    }
  });
});
