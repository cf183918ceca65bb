import type { ApiEvent } from './api/contract';

/** the only object the preload exposes to the page (window.r2rBridge) */
export interface R2RBridge {
  invoke(channel: string, args: unknown[]): Promise<BridgeReply>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

/** IPC replies carry errors as data: Electron would otherwise flatten them to a string */
export type BridgeReply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; hint?: string } };

export const EVENT_CHANNEL = 'r2r:event';
