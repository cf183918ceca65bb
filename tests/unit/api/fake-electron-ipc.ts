// Electron's invoke/handle over a real MessageChannel: every message is structured-cloned
// as it is between Electron's renderer and main processes, handler errors and missing
// handlers are rejected with Electron's own wording.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { EventSink, IpcMainLike } from '../../../main/api/ipc-handlers';
import type { IpcRendererLike } from '../../../preload/bridge';

type Wire =
  | { kind: 'invoke'; id: number; channel: string; args: unknown[] }
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; message: string }
  | { kind: 'event'; channel: string; payload: unknown };

export interface FakeIpc {
  ipcMain: IpcMainLike;
  ipcRenderer: IpcRendererLike;
  webContents: EventSink;
  close(): void;
}

export function createFakeIpc(senderUrl = 'r2r-app://studio/index.html'): FakeIpc {
  const { port1: rendererPort, port2: mainPort } = new MessageChannel();
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  const post = (port: MessagePort, msg: Wire) => port.postMessage(msg);

  mainPort.on('message', async (msg: Wire) => {
    if (msg.kind !== 'invoke') return;
    const handler = handlers.get(msg.channel);
    if (!handler) {
      post(mainPort, { kind: 'reply', id: msg.id, ok: false, message: `Error invoking remote method '${msg.channel}': Error: No handler registered for '${msg.channel}'` });
      return;
    }
    try {
      const result = await handler({ senderFrame: { url: senderUrl } }, ...msg.args);
      post(mainPort, { kind: 'reply', id: msg.id, ok: true, result });
    } catch (err) {
      post(mainPort, { kind: 'reply', id: msg.id, ok: false, message: `Error invoking remote method '${msg.channel}': ${String(err)}` });
    }
  });

  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  rendererPort.on('message', (msg: Wire) => {
    if (msg.kind === 'reply') {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.result);
      else p?.reject(new Error(msg.message));
    } else if (msg.kind === 'event') {
      for (const l of listeners.get(msg.channel) ?? []) l({ sender: 'ipcRenderer' }, msg.payload);
    }
  });

  return {
    ipcMain: {
      handle(channel, listener) {
        if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        handlers.set(channel, listener);
      },
      removeHandler: (channel) => void handlers.delete(channel),
    },
    ipcRenderer: {
      invoke(channel, ...args) {
        const id = nextId++;
        return new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject });
          try {
            post(rendererPort, { kind: 'invoke', id, channel, args });
          } catch (err) {
            pending.delete(id);
            reject(err as Error);
          }
        });
      },
      on(channel, listener) {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(listener);
      },
      removeListener(channel, listener) {
        listeners.get(channel)?.delete(listener);
      },
    },
    webContents: {
      send: (channel, payload) => post(mainPort, { kind: 'event', channel, payload }),
      isDestroyed: () => false,
    },
    close() {
      rendererPort.close();
      mainPort.close();
    },
  };
}
