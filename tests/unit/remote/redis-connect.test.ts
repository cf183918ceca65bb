import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../../main/remote/redis-client';
import { freePort, RedisServer } from './redis-fixture';

async function failure(url: string): Promise<{ code?: string; message: string; hint?: string }> {
  try {
    const client = await connectRedis(url);
    client.disconnect();
  } catch (err) {
    return err as { code?: string; message: string; hint?: string };
  }
  throw new Error(`connected to ${url}`);
}

describe('connecting to Redis says what went wrong', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start(['--requirepass', 'sekrit']);
  });
  afterAll(() => redis.stop());

  it('a wrong password: refused, the password hidden, the URL form to use', async () => {
    const err = await failure(`redis://:wrong@127.0.0.1:${redis.port}`);
    expect(err.code).toBe('redis-auth');
    expect(err.message).toBe(`Redis at redis://:***@127.0.0.1:${redis.port} refused the password: WRONGPASS invalid username-password pair or user is disabled.`);
    expect(err.hint).toMatch(/redis:\/\/:<password>@host:port/);
  });

  it('no password where one is required', async () => {
    const err = await failure(redis.url);
    expect(err.code).toBe('redis-auth');
    expect(err.message).toMatch(/needs a password: NOAUTH/);
  });

  it('nothing listening: the refused connection, not "Connection is closed"', async () => {
    const port = await freePort();
    const err = await failure(`redis://127.0.0.1:${port}`);
    expect(err.code).toBe('redis-unreachable');
    expect(err.message).toBe(`cannot reach Redis at redis://127.0.0.1:${port}: nothing accepts connections there (connect ECONNREFUSED 127.0.0.1:${port})`);
  });

  it('the right password connects', async () => {
    const client = await connectRedis(`redis://:sekrit@127.0.0.1:${redis.port}`);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });
});
