import { channelOf } from '../../preload/api/contract';
import { apiSchemas } from '../../preload/api/schemas';
import { EVENT_CHANNEL, type BridgeReply } from '../../preload/bridge';
import type { Backend } from './index';
import { createDispatcher, toErrorPayload } from './dispatcher';

/** the part of Electron's ipcMain the API needs (a fake one drives it in tests) */
export interface IpcMainLike {
  handle(channel: string, listener: (event: unknown, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** a window the backend's events go to */
export interface EventSink {
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
}

export type IpcHandler = (event: unknown, args: unknown) => Promise<BridgeReply>;

/**
 * One handler per contract method, generated from the schemas (no channel string is typed
 * by hand). Replies carry errors as data; arguments are validated by the dispatcher before
 * any work; `isTrusted` turns away calls from frames that are not the studio's own page.
 */
export function createIpcHandlers(backend: Backend, isTrusted: (event: unknown) => boolean = () => true): Map<string, IpcHandler> {
  const dispatch = createDispatcher(backend.api);
  const handlers = new Map<string, IpcHandler>();
  for (const [service, methods] of Object.entries(apiSchemas)) {
    for (const method of Object.keys(methods)) {
      const channel = channelOf(service, method);
      handlers.set(channel, async (event, args) => {
        if (!isTrusted(event)) return { ok: false, error: { code: 'forbidden', message: `${channel} was called from a page that is not the studio` } };
        try {
          return { ok: true, result: await dispatch(channel, args) };
        } catch (err) {
          return { ok: false, error: toErrorPayload(err) };
        }
      });
    }
  }
  return handlers;
}

/** registers the generated handlers and forwards backend events to every window; returns the undo */
export function registerIpc(ipcMain: IpcMainLike, backend: Backend, windows: () => EventSink[], isTrusted?: (event: unknown) => boolean): () => void {
  const handlers = createIpcHandlers(backend, isTrusted);
  for (const [channel, handler] of handlers) ipcMain.handle(channel, (event: unknown, args: unknown) => handler(event, args));
  const unsubscribe = backend.events.subscribe((event) => {
    for (const w of windows()) if (!w.isDestroyed()) w.send(EVENT_CHANNEL, event);
  });
  return () => {
    unsubscribe();
    for (const channel of handlers.keys()) ipcMain.removeHandler(channel);
  };
}
