// the whole path a desktop or browser UI sees: API call -> queue -> worker process -> events
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createApiClient, type ApiClient } from '../../../preload/api/client';
import type { ApiEvent } from '../../../preload/api/contract';
import type { JobInfo } from '../../../preload/api/job-types';
import { createHttpTransport, type WebSocketConstructor } from '../../../preload/transport/http';
import { createBackend, type Backend } from '../../../main/api/index';
import { forkJobWorker } from '../../../main/api/job-worker';
import { jobKinds as productionKinds } from '../../../main/api/job-kinds';
import { startServer, type RunningServer } from '../../../main/server/http-server';
import { jobKinds as testKinds, TINY_PNG } from './fixtures/test-kinds';
import { pollUntil } from '../support/poll';

const kindModule = fileURLToPath(new URL('./fixtures/test-kinds.ts', import.meta.url));
const staticRoot = mkdtempSync(join(tmpdir(), 'r2r-jobs-http-'));
let backend: Backend;
let server: RunningServer;
let api: ApiClient;
const events: ApiEvent[] = [];

function until<T>(check: () => T | undefined, ms = 10_000): Promise<T> {
  return pollUntil(check, ms, 10);
}

const updated = (id: string, state: string) => () =>
  events.find((e): e is Extract<ApiEvent, { type: 'job.updated' }> => e.type === 'job.updated' && e.payload.id === id && e.payload.state === state)?.payload;

beforeAll(async () => {
  backend = createBackend({ jobKinds: [...productionKinds, ...testKinds], jobWorker: forkJobWorker({ kindModules: [kindModule] }), cancelGraceMs: 300 });
  server = await startServer(backend, { host: '127.0.0.1', port: 0, staticRoot });
  api = createApiClient(createHttpTransport(server.url, undefined, { WebSocket: WebSocket as unknown as WebSocketConstructor }));
  api.onEvent((e) => events.push(e));
  await until(() => {
    backend.events.emit({ type: 'app.ready', payload: { version: 'probe' } });
    return events.some((e) => e.type === 'app.ready') || undefined;
  });
});

afterAll(async () => {
  await server.close();
  await backend.close();
  rmSync(staticRoot, { recursive: true, force: true });
});

describe('jobs through the API in browser mode', () => {
  it('streams progress with previews, then the result', async () => {
    const id = await api.jobs.submit('slow', { steps: 2, ms: 5 });
    const done = await until(updated(id, 'done'));
    expect(done.result).toMatchObject({ steps: 2 });
    const previews = events.filter((e) => e.type === 'job.progress' && e.payload.id === id).map((e) => (e.payload as { progress: { preview?: string } }).progress.preview);
    expect(previews).toEqual([TINY_PNG, TINY_PNG]);
  });

  it('tells the UI when the worker crashes, and keeps serving', async () => {
    const id = await api.jobs.submit('crash', { code: 7 });
    const failed: JobInfo = await until(updated(id, 'failed'));
    expect(failed.error).toMatchObject({ code: 'worker-crashed', message: expect.stringMatching(/exited with code 7/) });
    expect((await api.app.info()).name).toBe('R2R Studio');
    const next = await api.jobs.submit('slow', { steps: 1, ms: 1 });
    expect((await until(updated(next, 'done'))).state).toBe('done');
  });

  it('cancels a stuck job from the UI: the call returns once it has stopped', async () => {
    const id = await api.jobs.submit('hang', {});
    await until(() => events.find((e) => e.type === 'job.progress' && e.payload.id === id));
    const cancelled = await api.jobs.cancel(id);
    expect(cancelled.state).toBe('cancelled');
    expect(updated(id, 'cancelled')).toBeDefined();
    expect((await api.jobs.list()).find((j) => j.id === id)!.state).toBe('cancelled');
  });
});
