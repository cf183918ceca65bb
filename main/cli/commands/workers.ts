import { redact } from '../../remote/redis-url';
import type { CliCommand } from '../command';
import { needString, printResult } from '../command';

export const workersCommand: CliCommand = {
  name: 'workers',
  summary: 'list the queue workers (`r2r worker`) that are alive: host, provider, threads, current shot, shots/min',
  usage: '--redis redis://host:6379 [--json]',
  options: {
    redis: { type: 'string', help: 'Redis URL the workers use; required' },
    json: { type: 'boolean', help: 'print the list as JSON' },
  },
  async run(ctx) {
    const url = needString(ctx, 'redis');
    // ioredis loads only for this command
    const [{ connectRedis }, { listWorkers }] = await Promise.all([import('../../remote/redis-client'), import('../../remote/heartbeat')]);
    const client = await connectRedis(url);
    try {
      const workers = await listWorkers(client);
      printResult(ctx, workers, () =>
        workers.length === 0
          ? `no workers on ${redact(url)} (start one with \`r2r worker --redis ${redact(url)} --model <dir>\`)`
          : workers.map((w) => `${w.id}  ${w.provider}  ${w.threads ? `${w.threads} thread(s)` : 'all cores'}  ${w.shotsPerMin} shots/min  ${w.shotsDone} done  ${w.current.map((c) => `${c.label}${c.step ? ` ${c.step}/${c.of}` : ''}`).join(', ') || 'idle'}`).join('\n'),
      );
    } finally {
      client.disconnect();
    }
    return 0;
  },
};
