import type { ApiErrorPayload, ApiEvent, R2RApi } from './contract';
import { channelOf } from './contract';
import { apiSchemas } from './schemas';

/** what a transport must do: call one channel, and deliver pushed events */
export interface ApiTransport {
  invoke(channel: string, args: unknown[]): Promise<unknown>;
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

/** an error the backend reported, with its code and hint kept */
export class ApiError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(payload: ApiErrorPayload) {
    super(payload.message);
    this.name = 'ApiError';
    this.code = payload.code;
    this.hint = payload.hint;
  }
}

export type ApiClient = R2RApi & { onEvent(listener: (event: ApiEvent) => void): () => void };

/** Builds the typed API from a transport: `api.app.info()` invokes `r2r:app.info`. */
export function createApiClient(transport: ApiTransport): ApiClient {
  const client: Record<string, unknown> = {};
  for (const [service, methods] of Object.entries(apiSchemas)) {
    const target: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const method of Object.keys(methods)) {
      target[method] = (...args: unknown[]) => transport.invoke(channelOf(service, method), args);
    }
    client[service] = target;
  }
  client.onEvent = (listener: (event: ApiEvent) => void) => transport.subscribe(listener);
  return client as unknown as ApiClient;
}
