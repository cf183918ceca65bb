import type { ApiErrorPayload, ApiEvent } from '../api/contract';
import { parseChannel } from '../api/contract';
import { ApiError, type ApiTransport } from '../api/client';

/** what the transport needs of a WebSocket class: the browser's, or `ws`'s in Node 20 (which has none) */
export interface WebSocketLike {
  onmessage: ((m: { data: unknown }) => void) | null;
  onopen: (() => void) | null;
  onclose: (() => void) | null;
  close(): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * Browser mode: methods are POST /api/<service>/<method> with `{ args }`, events arrive on
 * the WebSocket /api/events. `token` is sent when the server requires one (non-loopback).
 */
export function createHttpTransport(baseUrl: string, token?: string, opts: { WebSocket?: WebSocketConstructor } = {}): ApiTransport {
  const Socket = opts.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return {
    async invoke(channel, args) {
      const parsed = parseChannel(channel);
      if (!parsed) throw new ApiError({ code: 'unknown-method', message: `not an API channel: ${channel}` });
      const res = await fetch(`${baseUrl}/api/${parsed.service}/${parsed.method}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ args }),
      });
      const body = (await res.json().catch(() => ({ error: { code: 'bad-response', message: `HTTP ${res.status}` } }))) as {
        result?: unknown;
        error?: ApiErrorPayload;
      };
      if (body.error) throw new ApiError(body.error);
      return body.result;
    },
    subscribe(listener) {
      const wsUrl = baseUrl.replace(/^http/, 'ws') + '/api/events' + (token ? `?token=${encodeURIComponent(token)}` : '');
      let closed = false;
      let socket: WebSocketLike | undefined;
      let retry = 250;
      const connect = () => {
        if (!Socket) throw new Error('this runtime has no WebSocket: pass one (e.g. the `ws` package\'s) to createHttpTransport');
        socket = new Socket(wsUrl);
        socket.onmessage = (m) => listener(JSON.parse(String(m.data)) as ApiEvent);
        socket.onopen = () => (retry = 250);
        // reconnect with backoff: a restarted server should not need a page reload
        socket.onclose = () => {
          if (!closed) setTimeout(connect, (retry = Math.min(retry * 2, 5000)));
        };
      };
      connect();
      return () => {
        closed = true;
        socket?.close();
      };
    },
  };
}
