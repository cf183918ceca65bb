import { createApiClient, type ApiClient } from '../../../preload/api/client';
import type { R2RBridge } from '../../../preload/bridge';
import { createHttpTransport } from '../../../preload/transport/http';
import { createIpcTransport } from '../../../preload/transport/ipc';

declare global {
  interface Window {
    r2rBridge?: R2RBridge;
  }
}

/** browser mode keeps the access token from the URL `r2r serve` printed, for this tab only */
function browserToken(): string | undefined {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    sessionStorage.setItem('r2r-token', fromUrl);
    history.replaceState(null, '', location.pathname + location.hash);
    return fromUrl;
  }
  return sessionStorage.getItem('r2r-token') ?? undefined;
}

/** the one API client of the UI: IPC in the desktop app, HTTP/WebSocket in a browser */
export const api: ApiClient = window.r2rBridge
  ? createApiClient(createIpcTransport(window.r2rBridge))
  : createApiClient(createHttpTransport(location.origin, browserToken()));

export const transportName = window.r2rBridge ? 'desktop' : 'browser';
