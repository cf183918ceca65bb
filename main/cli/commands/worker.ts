import { resolve } from 'node:path';
import type { ShotWorkerEvent } from '../../remote/shot-worker';
import { redact, redisOptions } from '../../remote/redis-url';
import type { CliCommand } from '../command';
import { needString, optInteger, optString } from '../command';

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'make queued shots for exports on other machines (`r2r export --queue`), until stopped',
  usage: '--redis redis://host:6379 [--model <dir>] [--concurrency 1] [--provider P] [--threads N] [--cache-dir <dir>] [--lock-ms 30000] [--json]',
  options: {
    redis: { type: 'string', help: 'Redis URL: redis://[:password@]host:6379[/db], or rediss:// for TLS; required' },
    model: { type: 'string', help: "this machine's copy of the exports' model folder (default: the coordinator's path, if it exists here)" },
    concurrency: { type: 'string', help: 'shots run at once, 1-16 (default 1)' },
    provider: { type: 'string', help: 'execution provider: auto (default), tensorrt, cuda, dml, coreml, webgpu, cpu' },
    threads: { type: 'string', help: "onnxruntime threads per model session, 1-256 (default onnxruntime's: one per core); two workers on one machine take a share each" },
    'cache-dir': { type: 'string', help: 'adapted models and inversions (default $R2R_CACHE_DIR or ~/.cache/r2r-studio)' },
    'lock-ms': { type: 'string', help: 'how long a shot stays claimed by a worker that stopped answering, 1000-600000 ms (default 30000)' },
    json: { type: 'boolean', help: 'print one JSON line per event (ready, shot-start, shot-done, shot-failed, stopped)' },
  },
  async run(ctx) {
    const url = needString(ctx, 'redis');
    redisOptions(url);
    const model = optString(ctx, 'model');
    const json = Boolean(ctx.values.json);
    const threads = optInteger(ctx, 'threads', 0, 1, 256);
    const say = (e: ShotWorkerEvent | { event: 'stopped'; id: string }) => {
      if (json) ctx.stdout.write(JSON.stringify(e) + '\n');
      else if (e.event === 'ready') ctx.stdout.write(`worker ${e.id} takes shots from ${redact(url)}; Ctrl+C (SIGTERM) finishes the running shot and stops\n`);
      else if (e.event === 'shot-done') ctx.stdout.write(`made ${e.label} in ${e.ms} ms\n`);
      else if (e.event === 'shot-failed') ctx.stderr.write(`${e.label} failed${e.final ? '' : ' (will be retried)'}: ${e.error}\n`);
      else if (e.event === 'stopped') ctx.stdout.write(`worker ${e.id} stopped\n`);
    };
    // BullMQ and the engine load only for this command
    const { startShotWorker } = await import('../../remote/shot-worker');
    const worker = await startShotWorker({
      url,
      ...(model ? { modelDir: resolve(model) } : {}),
      concurrency: optInteger(ctx, 'concurrency', 1, 1, 16),
      provider: optString(ctx, 'provider'),
      ...(threads ? { threads } : {}),
      ...(optString(ctx, 'cache-dir') ? { cacheDir: resolve(optString(ctx, 'cache-dir')!) } : {}),
      lockMs: optInteger(ctx, 'lock-ms', 30_000, 1000, 600_000),
      onEvent: say,
    });
    await new Promise<void>((done) => {
      if (ctx.signal.aborted) done();
      ctx.signal.addEventListener('abort', () => done(), { once: true });
    });
    // a running shot finishes and is delivered; a second signal exits at once and the job's lock runs out
    await worker.close();
    say({ event: 'stopped', id: worker.id });
    return 0;
  },
};
