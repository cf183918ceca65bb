import { ApiError, type ApiTransport } from '../api/client';
import type { R2RBridge } from '../bridge';

/** the desktop app's transport: the preload bridge over Electron IPC */
export function createIpcTransport(bridge: R2RBridge): ApiTransport {
  return {
    async invoke(channel, args) {
      const reply = await bridge.invoke(channel, args);
      if (!reply.ok) throw new ApiError(reply.error);
      return reply.result;
    },
    subscribe: (listener) => bridge.onEvent(listener),
  };
}
