import type { ApiErrorPayload, ApiEvent } from '../api/contract';
import { parseChannel } from '../api/contract';
import { ApiError, type ApiTransport } from '../api/client';

/**
 * Browser mode: methods are POST /api/<service>/<method> with `{ args }`, events arrive on
 * the WebSocket /api/events. `token` is sent when the server requires one (non-loopback).
 */
export function createHttpTransport(baseUrl: string, token?: string): ApiTransport {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return {
    async invoke(channel, args) {
      const parsed = parseChannel(channel);
      if (!parsed) throw new Error(`bad channel ${channel}`);
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
      let socket: WebSocket | undefined;
      let retry = 250;
      const connect = () => {
        socket = new WebSocket(wsUrl);
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
