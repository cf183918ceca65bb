import type { R2RApi } from '../../preload/api/contract';
import { appInfo } from './app-info';
import { EventHub } from './events';

export interface Backend {
  api: R2RApi;
  events: EventHub;
  close(): Promise<void>;
}

/** the in-process implementation of the whole API contract */
export function createBackend(): Backend {
  const events = new EventHub();
  const api: R2RApi = {
    app: { info: () => appInfo() },
  };
  return { api, events, close: async () => {} };
}
