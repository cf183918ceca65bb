import { ipcMain, type WebContents } from 'electron';
import { channelOf } from '../../preload/api/contract';
import { apiSchemas } from '../../preload/api/schemas';
import { EVENT_CHANNEL, type BridgeReply } from '../../preload/bridge';
import type { Backend } from '../api/index';
import { createDispatcher, toErrorPayload } from '../api/dispatcher';

/** one ipcMain handler per contract method, generated from the schemas; events to every window */
export function wireIpc(backend: Backend, windows: () => WebContents[]): () => void {
  const dispatch = createDispatcher(backend.api);
  const channels: string[] = [];
  for (const [service, methods] of Object.entries(apiSchemas)) {
    for (const method of Object.keys(methods)) {
      const channel = channelOf(service, method);
      channels.push(channel);
      ipcMain.handle(channel, async (_event, args: unknown): Promise<BridgeReply> => {
        try {
          return { ok: true, result: await dispatch(channel, args) };
        } catch (err) {
          return { ok: false, error: toErrorPayload(err) };
        }
      });
    }
  }
  const unsubscribe = backend.events.subscribe((event) => {
    for (const wc of windows()) if (!wc.isDestroyed()) wc.send(EVENT_CHANNEL, event);
  });
  return () => {
    unsubscribe();
    for (const c of channels) ipcMain.removeHandler(c);
  };
}
