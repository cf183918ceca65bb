import type { RedisOptions as QueueConnection } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { UserError } from '../common/errors';

/**
 * ioredis settings from `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS).
 * maxRetriesPerRequest null is what BullMQ's blocking connections need; ioredis then keeps
 * reconnecting (a Redis restarted mid-run is picked up again).
 */
export function redisOptions(url: string): RedisOptions & QueueConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badUrl(url, 'it is not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw badUrl(url, `the scheme is ${u.protocol.replace(':', '')}`);
  if (!u.hostname) throw badUrl(url, 'it names no host');
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw badUrl(url, `the database '${u.pathname.slice(1)}' is not a number`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: u.hostname } } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
}

function badUrl(url: string, why: string): UserError {
  return new UserError('bad-redis-url', `--redis/--queue '${redact(url)}' is not a Redis URL: ${why}`, 'Write redis://host:6379, redis://:password@host:6379/0 or rediss://host:6380 (TLS).');
}

/** the URL with its password hidden, for messages and worker lists */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
