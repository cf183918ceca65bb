import { describe, expect, it } from 'vitest';
import { redact, redisOptions } from '../../../main/remote/redis-url';
import { portableSettings, shotJobId } from '../../../main/remote/shot-job';
import { shotSettings } from '../../../main/shots/shot-settings';
import { expectUserError } from '../support/user-error';

describe('Redis URLs for --redis and --queue', () => {
  it('reads host, port, database, user and password; rediss:// turns TLS on', () => {
    expect(redisOptions('redis://10.0.0.5:6380/2')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(redisOptions('redis://10.0.0.5').port).toBe(6379);
    const secure = redisOptions('rediss://worker:p%40ss%3Aword@cache.example.com:6390');
    expect(secure).toMatchObject({ host: 'cache.example.com', port: 6390, db: 0, username: 'worker', password: 'p@ss:word', tls: { servername: 'cache.example.com' } });
    expect(redisOptions('redis://:s3cret@[::1]:7000')).toMatchObject({ host: '::1', port: 7000, password: 's3cret' });
    expect(redisOptions('redis://h:1').tls).toBeUndefined();
  });

  it('refuses what is not a Redis URL, without echoing its password', () => {
    expectUserError(() => redisOptions('http://h:6379'), /scheme is http/);
    expectUserError(() => redisOptions('localhost:6379'), /not a Redis URL/);
    expectUserError(() => redisOptions('redis://:hunter2@h/x'), /database 'x'/);
    try {
      redisOptions('redis://:hunter2@h/x');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
    expect(redact('rediss://u:pw@h:1/0')).toBe('rediss://u:***@h:1/0');
  });
});

describe('queued shot ids', () => {
  const base = { renderSha: 'a'.repeat(64), settings: portableSettings(shotSettings({ model: '/m', provider: 'cuda', cacheDir: '/c', threads: 3 })), model: { name: 'm', fingerprint: 'f'.repeat(32), dir: '/m' } };

  it('are <render sha>_<params hash> without ":", the same for the same shot from any machine', () => {
    const id = shotJobId(base);
    expect(id).toMatch(/^a{64}_[0-9a-f]{32}$/);
    // the model path, provider, cache and threads are the machine's, not the shot's
    expect(shotJobId({ ...base, settings: portableSettings(shotSettings({ model: '/elsewhere/m' })), model: { ...base.model, dir: '/elsewhere/m' } })).toBe(id);
    expect(base.settings).not.toHaveProperty('provider');
    expect(base.settings).not.toHaveProperty('threads');
  });

  it('change with the settings, the masks and the model content', () => {
    const id = shotJobId(base);
    const others = [
      shotJobId({ ...base, settings: { ...base.settings, seed: 2 } }),
      shotJobId({ ...base, mask: 'iVBORw0KGgo=' }),
      shotJobId({ ...base, textureLock: 'iVBORw0KGgo=' }),
      shotJobId({ ...base, model: { ...base.model, fingerprint: 'e'.repeat(32) } }),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });
});
