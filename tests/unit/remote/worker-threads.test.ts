import { readFileSync } from 'node:fs';
import { runCli } from '../../../main/cli/index';
import { cliIo as io } from '../support/cli-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptedDemoModel, freePort, RedisServer, WorkerProcess } from './redis-fixture';

/** the OS threads of a process now (Linux) */
function osThreads(pid: number): number {
  return Number(/^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

describe('r2r worker --threads', () => {
  let redis: RedisServer;
  let modelDir = '';
  let cacheDir = '';
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    ({ modelDir, cacheDir } = await adaptedDemoModel('r2r-worker-threads-'));
    redis = new RedisServer(await freePort());
    await redis.start();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await redis.stop();
  });

  it("reaches the worker's onnxruntime sessions: each session of a 3-thread worker holds 2 more pool threads than a 1-thread worker's", async () => {
    const start = (threads: number) => new WorkerProcess(['--redis', redis.url, '--model', modelDir, '--cache-dir', cacheDir, '--threads', String(threads)]);
    workers.push(start(1), start(3));
    // ready: the model (its sessions) is loaded before the worker takes shots
    await Promise.all(workers.map((w) => w.waitFor((l) => l.event === 'ready', 120_000)));
    const [one, three] = workers.map((w) => osThreads(w.proc.pid!));
    // the same code otherwise: the difference is the pools of the four sessions (text encoder, UNet, VAE encoder and decoder)
    expect(three! - one!).toBe(4 * 2);
    // and `r2r workers` tells them apart
    const t = io();
    expect(await runCli(['workers', '--redis', redis.url], t.io)).toBe(0);
    const lines = t.out().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.filter((l) => /  1 thread\(s\)  /.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /  3 thread\(s\)  /.test(l))).toHaveLength(1);
  }, 180_000);
});
