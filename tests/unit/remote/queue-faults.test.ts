import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { openLibrary } from '../../../main/catalog/library';
import { listGenerations } from '../../../main/catalog/queries/generations';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { tempDir } from '../export/fixtures';
import { runExport } from '../support/run-export';
import { adaptedDemoModel, freePort, RedisServer, WorkerProcess } from './redis-fixture';

const VIEWS = ['front', 'back'];

/** a textual-inversion file: u64 header length, JSON header, little-endian float32 rows */
function safetensorsEmbedding(rows: number, width: number): Buffer {
  const data = new Float32Array(rows * width).map((_, i) => Math.sin(i * 0.37) * 0.5);
  const header = Buffer.from(JSON.stringify({ emb_params: { dtype: 'F32', shape: [rows, width], data_offsets: [0, data.byteLength] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.from(data.buffer)]);
}
const TOTAL = 2 * VIEWS.length;
// a worker that stops answering loses its shot after this: short so the retry comes quickly,
// long enough that a busy 2-core machine never delays a lock renewal past it
const LOCK_MS = '4000';

describe('r2r export --queue with r2r worker on a real redis-server', () => {
  let redis: RedisServer;
  let modelDir = '';
  let cacheDir = '';
  const workers: WorkerProcess[] = [];

  const startWorker = (extra: string[] = []) => {
    const w = new WorkerProcess(['--redis', redis.url, '--model', modelDir, '--cache-dir', cacheDir, '--lock-ms', LOCK_MS, ...extra]);
    workers.push(w);
    return w;
  };

  async function newLibrary() {
    const dir = tempDir('r2r-queue-');
    const library = join(dir, 'lib');
    await writeSampleLibrary(library, { garments: 2, colorways: 1, views: VIEWS, width: 64, height: 80 });
    return { dir, library, args: (out = join(dir, 'out')) => ['--library', library, '--out', out, '--size', '1000', '--generate', 'missing', '--model', modelDir, '--gen-size', '64', '--steps', '20', '--cache-dir', cacheDir, '--queue', redis.url, '--attempts', '2'] };
  }

  function generations(library: string) {
    const lib = openLibrary(library);
    try {
      return listGenerations(lib);
    } finally {
      lib.close();
    }
  }

  /** every view has exactly one done shot, and every exported file exists once */
  function expectEachOutputOnce(library: string, out: string, views = TOTAL) {
    const done = generations(library).filter((g) => g.status === 'done');
    expect(done).toHaveLength(views);
    expect(new Set(done.map((g) => g.renderId)).size).toBe(views);
    for (const g of done) expect(g.params).toMatchObject({ mode: 'r2r', steps: 20, maxSide: 64, modelDir });
    expect(readdirSync(out).filter((f) => f.endsWith('.jpg'))).toHaveLength(views);
  }

  beforeAll(async () => {
    ({ modelDir, cacheDir } = await adaptedDemoModel('r2r-queue-model-'));
    redis = new RedisServer(await freePort());
    await redis.start();
  }, 120_000);

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    const c = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    await c.flushall();
    c.disconnect();
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await redis.stop();
  });

  it('refuses a Redis that may evict keys, and names the setting', async () => {
    const c = new Redis(redis.url);
    await c.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const { args } = await newLibrary();
      const run = await runExport(args());
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/maxmemory-policy allkeys-lru.*\n.*noeviction/);
    } finally {
      await c.config('SET', 'maxmemory-policy', 'noeviction');
      c.disconnect();
    }
  });

  it('a worker killed with SIGKILL mid-shot: the shot is retried on another worker and every output exists once', async () => {
    const { library, dir, args } = await newLibrary();
    const first = startWorker();
    const exporting = runExport(args());
    const started = await first.waitFor((l) => l.event === 'shot-start' && first.done().length >= 1 && !first.done().includes(l.jobId as string), 60_000);
    await first.kill('SIGKILL');
    const second = startWorker();
    const run = await exporting;
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.at(-1)).toMatchObject({ event: 'summary', total: TOTAL, done: TOTAL, failed: 0 });
    // the shot the kill interrupted was finished by the other worker
    expect(first.done()).not.toContain(started.jobId);
    expect(second.done()).toContain(started.jobId);
    expect(new Set([...first.done(), ...second.done()]).size).toBe(TOTAL);
    expectEachOutputOnce(library, join(dir, 'out'));
  }, 90_000);

  it('the coordinator killed and started again re-attaches to its flow and finishes without redoing shots', async () => {
    const { library, dir, args } = await newLibrary();
    const worker = startWorker();
    const killed = await runExport(args(), (l) => l.event === 'generated' && (l.done as number) >= 2);
    expect(killed.signal).toBe('SIGKILL');
    const again = await runExport(args());
    expect(again.code, again.stderr).toBe(0);
    expect(again.lines.at(-1)).toMatchObject({ event: 'summary', total: TOTAL, done: TOTAL, failed: 0 });
    expectEachOutputOnce(library, join(dir, 'out'));
    // shots the worker made while no coordinator ran were recorded, not made again
    expect(worker.done()).toHaveLength(TOTAL);
    expect(new Set(worker.done()).size).toBe(TOTAL);
  }, 90_000);

  it('Redis restarted mid-run (its data gone): workers and coordinator reconnect and the export completes', async () => {
    const { library, dir, args } = await newLibrary();
    const worker = startWorker();
    let restarted: Promise<void> | undefined;
    const run = await runExport(args(), (l) => {
      if (l.event === 'generated' && l.done === 2 && !restarted) restarted = redis.stop().then(() => redis.start());
      return false;
    });
    await restarted;
    expect(restarted).toBeDefined();
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.at(-1)).toMatchObject({ event: 'summary', total: TOTAL, done: TOTAL, failed: 0 });
    expectEachOutputOnce(library, join(dir, 'out'));
    expect(worker.stderr).not.toMatch(/Error/);
  });

  it('a shot that always fails is marked failed with its reason after its attempts; the rest completes', async () => {
    const { library, dir, args } = await newLibrary();
    // one render's image file made unreadable: every attempt at it fails the same way
    const lib = openLibrary(library);
    const bad = lib.sql<[], { id: number; hash: string; ext: string }>("SELECT r.id, a.hash, a.ext FROM renders r JOIN assets a ON a.id = r.asset_id WHERE r.kind = 'raytrace' ORDER BY r.id LIMIT 1").get()!;
    const { assetFile } = await import('../../../main/catalog/index');
    writeFileSync(assetFile(lib, bad.hash, bad.ext), 'not an image');
    lib.close();
    const worker = startWorker();
    const run = await runExport(args());
    expect(run.code, run.stderr).toBe(1);
    const failedLine = run.lines.find((l) => l.event === 'generated' && l.status === 'failed')!;
    expect(failedLine).toMatchObject({ renderId: bad.id, error: expect.stringMatching(/input image/) });
    expect(run.lines.at(-1)).toMatchObject({ event: 'summary', done: TOTAL - 1, generation: { generated: TOTAL - 1, failed: 1 } });
    const failedRows = generations(library).filter((g) => g.status === 'failed');
    expect(failedRows).toHaveLength(1);
    expect(failedRows[0]).toMatchObject({ renderId: bad.id, error: failedLine.error, params: { steps: 20, exportJob: expect.any(String) } });
    // two attempts, then final
    const tries = worker.lines.filter((l) => l.event === 'shot-failed');
    expect(tries.map((l) => l.final)).toEqual([false, true]);
    expect(readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.jpg'))).toHaveLength(TOTAL - 1);
  });

  it('the same shots enqueued by two coordinators at once are made once', async () => {
    const { library, dir, args } = await newLibrary();
    const worker = startWorker();
    const [a, b] = await Promise.all([runExport(args(join(dir, 'out-a'))), runExport(args(join(dir, 'out-b')))]);
    for (const run of [a, b]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.lines.at(-1)).toMatchObject({ event: 'summary', total: TOTAL, done: TOTAL, failed: 0 });
    }
    expect(worker.done()).toHaveLength(TOTAL);
    // each export records its own shots (its tag), from the one result per shot
    const done = generations(library).filter((g) => g.status === 'done');
    expect(done).toHaveLength(2 * TOTAL);
    expect(new Set(done.map((g) => g.output)).size).toBe(TOTAL);
  });

  it('a negative embedding travels with the shots: the queued images equal local ones made with the same file', async () => {
    startWorker();
    const { dir, library, args } = await newLibrary();
    const embedding = join(dir, 'render-domain.safetensors');
    writeFileSync(embedding, safetensorsEmbedding(2, 768));
    const queued = await runExport([...args(), '--negative-embedding', embedding]);
    expect(queued.code, queued.stderr).toBe(0);
    const local = await newLibrary();
    const plain = await runExport([...local.args().filter((a, i, all) => a !== '--queue' && all[i - 1] !== '--queue' && a !== '--attempts' && all[i - 1] !== '--attempts'), '--negative-embedding', embedding]);
    expect(plain.code, plain.stderr).toBe(0);
    const outputs = (lib: string) => new Map(generations(lib).filter((g) => g.status === 'done').map((g) => [g.renderId, g]));
    const [q, l] = [outputs(library), outputs(local.library)];
    expect(q.size).toBe(TOTAL);
    for (const [renderId, g] of q) {
      expect(g.params).toMatchObject({ negative: { kind: 'embedding', path: embedding } });
      expect(g.output, `render ${renderId}`).toBe(l.get(renderId)!.output);
    }
    // and differ from shots without it: the embedding was used, not dropped
    const none = await newLibrary();
    expect((await runExport(none.args())).code).toBe(0);
    expect([...outputs(none.library).values()].map((g) => g.output)).not.toContain(q.get(q.keys().next().value!)!.output);
    // the worker keeps the file under its content address, not the coordinator's path
    expect(readdirSync(join(cacheDir, 'queued-embeddings'))).toHaveLength(1);
  }, 240_000);

  it('r2r workers --json lists the running workers with host, provider and shots done', async () => {
    const worker = startWorker();
    const ready = await worker.waitFor((l) => l.event === 'ready');
    const { spawnSync } = await import('node:child_process');
    const { projectRoot } = await import('../../../main/common/version');
    const res = spawnSync(process.execPath, [join(projectRoot(), 'bin/r2r.js'), 'workers', '--redis', redis.url, '--json'], { cwd: projectRoot(), encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const list = JSON.parse(res.stdout) as Record<string, unknown>[];
    expect(list).toEqual([expect.objectContaining({ id: ready.id, host: expect.any(String), provider: 'auto', current: [], shotsDone: 0, shotsPerMin: 0 })]);
    // SIGTERM: the worker stops cleanly and leaves the list
    await worker.kill('SIGTERM');
    expect(worker.lines.at(-1)).toMatchObject({ event: 'stopped' });
    const after = spawnSync(process.execPath, [join(projectRoot(), 'bin/r2r.js'), 'workers', '--redis', redis.url, '--json'], { cwd: projectRoot(), encoding: 'utf8' });
    expect(JSON.parse(after.stdout)).toEqual([]);
  });
});
