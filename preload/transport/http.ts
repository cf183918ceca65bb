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
/** `options.headers` is for `ws` in Node (browsers send the session cookie instead and never get a third argument) */
export type WebSocketConstructor = new (url: string, protocols?: string[], options?: { headers: Record<string, string> }) => WebSocketLike;

/** the error of a failed call: the server's error body at any status, or what the status says when there is none */
async function failure(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => undefined)) as { error?: ApiErrorPayload } | undefined;
  return new ApiError(body?.error ?? { code: 'bad-response', message: `the server answered HTTP ${res.status} without an error body` });
}

/**
 * Browser mode: methods are POST /api/<service>/<method> with `{ args }`, events arrive on
 * the WebSocket /api/events. In a browser the session cookie (set by the one-time link) carries
 * the access; `token` is for Node clients and goes in the Authorization header, never in a URL.
 */
export function createHttpTransport(baseUrl: string, token?: string, opts: { WebSocket?: WebSocketConstructor } = {}): ApiTransport {
  const Socket = opts.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined);
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return {
    async invoke(channel, args) {
      const parsed = parseChannel(channel);
      if (!parsed) throw new ApiError({ code: 'unknown-method', message: `not an API channel: ${channel}` });
      const res = await fetch(`${baseUrl}/api/${parsed.service}/${parsed.method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ args }),
      });
      if (!res.ok) throw await failure(res);
      const body = (await res.json().catch(() => ({}))) as { result?: unknown; error?: ApiErrorPayload };
      if (body.error) throw new ApiError(body.error);
      return body.result;
    },
    subscribe(listener) {
      const wsUrl = baseUrl.replace(/^http/, 'ws') + '/api/events';
      let closed = false;
      let socket: WebSocketLike | undefined;
      let retry = 250;
      const connect = () => {
        if (!Socket) throw new Error('this runtime has no WebSocket: pass one (e.g. the `ws` package\'s) to createHttpTransport');
        socket = token ? new Socket(wsUrl, [], { headers: auth }) : new Socket(wsUrl);
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
