// One suite, every transport: what the renderer sees must not depend on how it is connected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { ApiError, createApiClient, type ApiClient, type ApiTransport } from '../../../preload/api/client';
import { channelOf, type ApiEvent } from '../../../preload/api/contract';
import type { JobInfo } from '../../../preload/api/job-types';
import { createBridge } from '../../../preload/bridge';
import { createHttpTransport, type WebSocketConstructor } from '../../../preload/transport/http';
import { createIpcTransport } from '../../../preload/transport/ipc';
import { appInfo } from '../../../main/api/app-info';
import { createDispatcher } from '../../../main/api/dispatcher';
import { createInProcessTransport } from '../../../main/api/in-process';
import { createBackend, type Backend } from '../../../main/api/index';
import { registerIpc } from '../../../main/api/ipc-handlers';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import { internalJobKinds, jobKinds as productionKinds } from '../../../main/api/job-kinds';
import { assetFile, createLibrary, storeImage } from '../../../main/catalog/index';
import { measurePair } from '../../../main/metrics/measure-pair';
import sharp from 'sharp';
import { startServer } from '../../../main/server/http-server';
import { jobKinds as testKinds } from '../jobs/fixtures/test-kinds';
import { pollUntil } from '../support/poll';

interface Connected {
  transport: ApiTransport;
  backend: Backend;
  close(): Promise<void>;
}

const kinds = [...productionKinds, ...testKinds];
const newBackend = () => createBackend({ jobKinds: kinds, jobWorker: inlineWorkerFactory(kinds), metricsWorker: inlineWorkerFactory(internalJobKinds) });
const staticRoot = mkdtempSync(join(tmpdir(), 'r2r-conformance-'));
process.env.R2R_CONFIG_DIR = join(staticRoot, 'config');

// a library with two images of one size and one of another, for the metrics service
const libDir = join(staticRoot, 'lib');
const images: { a: string; b: string; small: string; expected: Awaited<ReturnType<typeof measurePair>> } = { a: '', b: '', small: '', expected: undefined! };
beforeAll(async () => {
  const lib = createLibrary(libDir);
  const png = (w: number, h: number, seed: number) => {
    const raw = Buffer.alloc(w * h * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * seed * 7919 + (i >> 5) * 31) % 251;
    return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  };
  images.a = (await storeImage(lib, await png(32, 24, 3))).hash;
  images.b = (await storeImage(lib, await png(32, 24, 5))).hash;
  images.small = (await storeImage(lib, await png(16, 24, 7))).hash;
  images.expected = await measurePair({ source: assetFile(lib, images.a), output: assetFile(lib, images.b) });
  lib.close();
});

const transports: Record<string, () => Promise<Connected>> = {
  'in-process': async () => {
    const backend = newBackend();
    return { backend, transport: createInProcessTransport(createDispatcher(backend.api), backend.events), close: () => backend.close() };
  },
  'browser mode (HTTP + WebSocket)': async () => {
    const backend = newBackend();
    const server = await startServer(backend, { host: '127.0.0.1', port: 0, staticRoot });
    const transport = createHttpTransport(server.url, undefined, { WebSocket: WebSocket as unknown as WebSocketConstructor });
    return { backend, transport, close: async () => (await server.close(), await backend.close()) };
  },
  'Electron IPC (invoke/handle over a MessageChannel)': async () => {
    const { createFakeIpc } = await import('./fake-electron-ipc');
    const backend = newBackend();
    const ipc = createFakeIpc();
    const unregister = registerIpc(ipc.ipcMain, backend, () => [ipc.webContents]);
    return { backend, transport: createIpcTransport(createBridge(ipc.ipcRenderer)), close: async () => (unregister(), ipc.close(), await backend.close()) };
  },
};

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

/** resolves once `predicate` holds for a collected event (transports connect their event stream lazily) */
function waitFor<T>(check: () => T | undefined, ms = 5000): Promise<T> {
  return pollUntil(check, ms, 5);
}

afterAll(() => rmSync(staticRoot, { recursive: true, force: true }));

for (const [name, connect] of Object.entries(transports)) {
  describe(`API over ${name}`, () => {
    let c: Connected;
    let api: ApiClient;
    beforeAll(async () => {
      c = await connect();
      api = createApiClient(c.transport);
    });
    afterAll(() => c.close());

    it('returns what the method returns', async () => {
      const info = await api.app.info();
      expect(info).toEqual(await appInfo());
      const id = await api.jobs.submit('pid', {});
      expect(typeof id).toBe('string');
      const job = await c.backend.jobs.whenSettled(id);
      expect(await api.jobs.get(id)).toEqual(job);
      expect((await api.jobs.list()).map((j) => j.id)).toContain(id);
    });

    it('gives callers copies, never the backend\'s own objects', async () => {
      const id = await api.jobs.submit('pid', {});
      await c.backend.jobs.whenSettled(id);
      const a = await api.jobs.get(id);
      a.state = 'failed';
      (a.params as Record<string, unknown>).tampered = true;
      expect(await api.jobs.get(id)).toMatchObject({ state: 'done', params: {} });
    });

    it('rejects wrong arguments with invalid-arguments naming the argument, before any work', async () => {
      const wrongType = await rejection(c.transport.invoke(channelOf('jobs', 'get'), [42]));
      expect(wrongType.code).toBe('invalid-arguments');
      expect(wrongType.message).toMatch(/^jobs\.get: argument 0: .*string/);
      const missing = await rejection(c.transport.invoke(channelOf('jobs', 'submit'), []));
      expect(missing.code).toBe('invalid-arguments');
      expect(missing.message).toMatch(/^jobs\.submit: argument 0:/);
      const notAList = await rejection(c.transport.invoke(channelOf('jobs', 'list'), { 0: 'x' } as unknown as unknown[]));
      expect(notAList.code).toBe('invalid-arguments');
      const before = (await api.jobs.list()).length;
      const badParam = await rejection(api.jobs.submit('slow', { steps: 0, ms: 1 }));
      expect(badParam.code).toBe('invalid-arguments');
      expect(badParam.message).toMatch(/param steps/);
      expect((await api.jobs.list()).length).toBe(before);
    });

    it('keeps a user error\'s code, message and hint', async () => {
      const err = await rejection(api.jobs.get('no-such-job'));
      expect({ code: err.code, message: err.message, hint: err.hint }).toEqual({
        code: 'job-not-found',
        message: 'there is no job no-such-job',
        hint: 'It may have ended long ago; list the jobs to see those kept.',
      });
      const unknownKind = await rejection(api.jobs.submit('paint', {}));
      expect(unknownKind.code).toBe('unknown-job-kind');
      expect(unknownKind.hint).toMatch(/probe-providers/);
      const failedJob = await c.backend.jobs.whenSettled(await api.jobs.submit('fail', { file: 'a.png' }));
      expect((await api.jobs.get(failedJob.id)).error).toEqual({ code: 'bad-render', message: 'a.png is not an image', hint: 'Pick a PNG or JPEG render.' });
    });

    it('delivers events: job updates and progress in order', async () => {
      const events: ApiEvent[] = [];
      const off = api.onEvent((e) => events.push(e));
      // the event stream may connect after subscribe returns: wait until an event gets through
      await waitFor(() => {
        c.backend.events.emit({ type: 'app.ready', payload: { version: 'probe' } });
        return events.some((e) => e.type === 'app.ready') || undefined;
      });
      const id = await api.jobs.submit('slow', { steps: 3, ms: 1 });
      await waitFor(() => events.find((e) => e.type === 'job.updated' && e.payload.id === id && e.payload.state === 'done'));
      off();
      const mine = events.filter((e) => (e.type === 'job.updated' && e.payload.id === id) || (e.type === 'job.progress' && e.payload.id === id));
      const step = (e: ApiEvent) => (e.type === 'job.progress' ? `${e.payload.progress.step}/${e.payload.progress.total}` : e.type === 'job.updated' ? e.payload.state : e.type);
      expect(mine.map(step)).toEqual([
        'queued',
        'running',
        '1/3',
        '2/3',
        '3/3',
        'done',
      ]);
      const last = mine.at(-1)!.payload as JobInfo;
      expect(last.result).toEqual({ steps: 3, pid: process.pid });
    });

    it('measures a pair of library images, and explains a pair of different sizes', async () => {
      await api.library.open(libDir);
      const m = await api.metrics.comparePair({ a: images.a, b: images.b });
      expect(m).toEqual({ width: 32, height: 24, ...images.expected });
      const err = await rejection(api.metrics.comparePair({ a: images.a, b: images.small }));
      expect({ code: err.code, message: err.message }).toEqual({ code: 'size-mismatch', message: 'A is 32x24 but B is 16x24: the metrics compare images pixel by pixel' });
      expect(err.hint).toMatch(/same size/);
      const bad = await rejection(c.transport.invoke(channelOf('metrics', 'comparePair'), [{ a: 'assets/x.png', b: images.b }]));
      expect(bad.code).toBe('invalid-arguments');
    });

    it('rejects unknown methods', async () => {
      for (const channel of [channelOf('nope', 'nothing'), channelOf('jobs', 'toString'), channelOf('jobs', 'constructor'), 'r2r:__proto__.x', 'not-a-channel']) {
        const err = await rejection(c.transport.invoke(channel, []));
        expect(err.code, channel).toBe('unknown-method');
      }
    });
  });
}
