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

/** a connected client, or a clear error when Redis cannot be reached or refuses us within a few seconds */
export async function connectRedis(url: string): Promise<Redis> {
  const client = new Redis({ ...redisOptions(url), lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: (times) => (times > 3 ? null : 300) });
  // connect() and ping() fail with "Connection is closed" once ioredis gives up: the cause
  // (refused connection, wrong password) only reaches the error event
  let cause: Error | undefined;
  client.on('error', (err: Error) => {
    cause = err;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw connectionError(url, cause ?? (err as Error));
  }
  return client;
}

/** the user's error for a failed connection: what Redis or the network said, and what to change */
export function connectionError(url: string, cause: Error): UserError {
  const at = redact(url);
  const said = cause.message;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(said)) {
    return new UserError('redis-auth', `Redis at ${at} refused the password: ${said}`, 'Put the right password in the URL: redis://:<password>@host:port, or redis://<user>:<password>@host:port for an ACL user.');
  }
  if (/NOAUTH|Authentication required/i.test(said)) {
    return new UserError('redis-auth', `Redis at ${at} needs a password: ${said}`, 'Put it in the URL: redis://:<password>@host:port, or redis://<user>:<password>@host:port for an ACL user.');
  }
  if (/ECONNREFUSED/.test(said)) {
    return new UserError('redis-unreachable', `cannot reach Redis at ${at}: nothing accepts connections there (${said})`, 'Start it (`redis-server --port 6379`) or check the host and port.');
  }
  return new UserError('redis-unreachable', `cannot reach Redis at ${at}: ${said}`, 'Start it (`redis-server --port 6379`) or check the host, port and password.');
}
