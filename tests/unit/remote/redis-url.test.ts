import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddingFileFor } from '../../../main/remote/run-shot-job';
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

describe('a negative embedding in a queued shot', () => {
  const withEmbedding = (path: string) => shotSettings({ model: '/m', negative: { kind: 'embedding', path } });
  const job = (path: string, sha256: string) => ({ renderSha: 'a'.repeat(64), settings: portableSettings(withEmbedding(path), { sha256 }), model: { name: 'm', fingerprint: 'f'.repeat(32), dir: '/m' } });

  it('is named by its content: the same file at two paths is one shot, other bytes another', () => {
    expect(job('/a/neg.safetensors', '1'.repeat(64)).settings.negative).toEqual({ kind: 'embedding', path: `sha256:${'1'.repeat(64)}` });
    expect(shotJobId(job('/a/neg.safetensors', '1'.repeat(64)))).toBe(shotJobId(job('/b/other-name.pt', '1'.repeat(64))));
    expect(shotJobId(job('/a/neg.safetensors', '1'.repeat(64)))).not.toBe(shotJobId(job('/a/neg.safetensors', '2'.repeat(64))));
    expect(() => portableSettings(withEmbedding('/a/neg.safetensors'))).toThrow(/pass its content hash/);
  });

  it('reaches the worker as a file under its hash in the cache; damaged bytes are refused for good', () => {
    const cache = mkdtempSync(join(tmpdir(), 'r2r-queued-embedding-'));
    const bytes = Buffer.from('not really an embedding, but bytes with a hash');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const file = embeddingFileFor({ name: '../../neg.safetensors', sha256, base64: bytes.toString('base64') }, cache);
    expect(file).toBe(join(cache, 'queued-embeddings', sha256, 'neg.safetensors'));
    expect(readFileSync(file)).toEqual(bytes);
    let err: Error | undefined;
    try {
      embeddingFileFor({ name: 'neg.safetensors', sha256, base64: Buffer.from('other bytes').toString('base64') }, cache);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).toBe('UnrecoverableError');
    expect(err?.message).toMatch(/the negative embedding neg\.safetensors arrived damaged \(sha256 [0-9a-f]{12}, expected [0-9a-f]{12}\)/);
  });
});
