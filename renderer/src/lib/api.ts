import { createApiClient, type ApiClient } from '../../../preload/api/client';
import type { R2RBridge } from '../../../preload/bridge';
import { createHttpTransport } from '../../../preload/transport/http';
import { createIpcTransport } from '../../../preload/transport/ipc';

declare global {
  interface Window {
    r2rBridge?: R2RBridge;
  }
}

/** the one API client of the UI: IPC in the desktop app, HTTP/WebSocket in a browser */
export const api: ApiClient = window.r2rBridge
  ? createApiClient(createIpcTransport(window.r2rBridge))
  : // browser mode: the session cookie the printed link set carries the access (the page never sees a token)
    createApiClient(createHttpTransport(location.origin));

export const transportName = window.r2rBridge ? 'desktop' : 'browser';
