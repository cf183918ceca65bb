import { Redis } from 'ioredis';
import { UserError } from '../common/errors';
import { redact, redisOptions } from './redis-url';

/**
 * Redis evicting keys under memory pressure would silently drop queued shots: refuse to start
 * unless `maxmemory-policy` is `noeviction` (INFO works where CONFIG is disabled, as on managed Redis).
 */
export async function checkNoEviction(client: Redis, url: string): Promise<void> {
  const info = await client.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown';
  if (policy !== 'noeviction') {
    throw new UserError(
      'redis-evicts',
      `Redis at ${redact(url)} has maxmemory-policy ${policy}: it may evict queued shots under memory pressure`,
      'Set `maxmemory-policy noeviction` in redis.conf (or run `redis-cli CONFIG SET maxmemory-policy noeviction`) and start again.',
    );
  }
}

/** a connected client, or a clear error when Redis cannot be reached within a few seconds */
export async function connectRedis(url: string): Promise<Redis> {
  const client = new Redis({ ...redisOptions(url), lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: (times) => (times > 3 ? null : 300) });
  // the failure reaches the caller through connect() and ping(); the event would only be noise
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new UserError('redis-unreachable', `cannot reach Redis at ${redact(url)}: ${(err as Error).message}`, 'Start it (`redis-server --port 6379`) or check the host, port and password.');
  }
  return client;
}
