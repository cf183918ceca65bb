import { afterAll, describe, expect, it } from 'vitest';
import { channelOf } from '../../../preload/api/contract';
import { apiSchemas } from '../../../preload/api/schemas';
import { EVENT_CHANNEL } from '../../../preload/bridge';
import { isAppUrl } from '../../../main/app/security';
import { APP_INDEX_URL } from '../../../main/app/app-protocol';
import { createBackend } from '../../../main/api/index';
import { createIpcHandlers, registerIpc, type EventSink } from '../../../main/api/ipc-handlers';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import { jobKinds } from '../../../main/api/job-kinds';

const backend = createBackend({ jobKinds, jobWorker: inlineWorkerFactory(jobKinds) });
afterAll(() => backend.close());

describe('IPC handlers', () => {
  it('has exactly one handler per contract method', () => {
    const expected = Object.entries(apiSchemas).flatMap(([s, methods]) => Object.keys(methods).map((m) => channelOf(s, m)));
    expect([...createIpcHandlers(backend).keys()].sort()).toEqual(expected.sort());
    expect(expected).toContain('r2r:jobs.submit');
  });

  it('answers only the studio page', async () => {
    const trusted = (event: unknown) => isAppUrl((event as { senderFrame?: { url: string } }).senderFrame?.url ?? '', APP_INDEX_URL);
    const handler = createIpcHandlers(backend, trusted).get('r2r:jobs.list')!;
    expect(await handler({ senderFrame: { url: 'r2r-app://studio/index.html' } }, [])).toEqual({ ok: true, result: [] });
    const denied = await handler({ senderFrame: { url: 'https://evil.example/' } }, []);
    expect(denied).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await handler({}, [])).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('registers and removes its handlers and forwards events to live windows only', () => {
    const registered = new Set<string>();
    const sent: unknown[] = [];
    const live: EventSink = { send: (c, p) => sent.push([c, p]), isDestroyed: () => false };
    const closed: EventSink = { send: () => sent.push('to a closed window'), isDestroyed: () => true };
    const undo = registerIpc({ handle: (c) => void registered.add(c), removeHandler: (c) => void registered.delete(c) }, backend, () => [live, closed]);
    expect(registered.size).toBe(createIpcHandlers(backend).size);
    backend.events.emit({ type: 'app.ready', payload: { version: '1' } });
    expect(sent).toEqual([[EVENT_CHANNEL, { type: 'app.ready', payload: { version: '1' } }]]);
    undo();
    expect(registered.size).toBe(0);
    backend.events.emit({ type: 'app.ready', payload: { version: '2' } });
    expect(sent).toHaveLength(1);
  });
});
