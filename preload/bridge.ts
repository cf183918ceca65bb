import type { ApiEvent } from './api/contract';
import { parseChannel } from './api/contract';

/** the only object the preload exposes to the page (window.r2rBridge) */
export interface R2RBridge {
  invoke(channel: string, args: unknown[]): Promise<BridgeReply>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

/** IPC replies carry errors as data: Electron would otherwise flatten them to a string */
export type BridgeReply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; hint?: string } };

export const EVENT_CHANNEL = 'r2r:event';

/** the part of Electron's ipcRenderer the bridge uses (a fake one drives it in tests) */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * A small surface: one invoke limited to r2r:<service>.<method> channels, one event stream.
 * Main registers a handler per contract method, so a channel it does not know is rejected
 * by Electron ("No handler registered"): that becomes the API's `unknown-method` error.
 */
export function createBridge(ipc: IpcRendererLike): R2RBridge {
  return {
    async invoke(channel, args) {
      if (!parseChannel(channel)) return { ok: false, error: { code: 'unknown-method', message: `not an API channel: ${channel}` } };
      try {
        return (await ipc.invoke(channel, args)) as BridgeReply;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (/No handler registered for/.test(message)) return { ok: false, error: { code: 'unknown-method', message: `no API method ${channel}` } };
        return { ok: false, error: { code: 'ipc-failed', message } };
      }
    },
    onEvent(listener) {
      const handler = (_e: unknown, event: unknown) => listener(event as ApiEvent);
      ipc.on(EVENT_CHANNEL, handler);
      return () => void ipc.removeListener(EVENT_CHANNEL, handler);
    },
  };
}
