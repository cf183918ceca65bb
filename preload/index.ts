import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiEvent } from './api/contract';
import { parseChannel } from './api/contract';
import { EVENT_CHANNEL, type BridgeReply, type R2RBridge } from './bridge';

// a small surface: one invoke limited to r2r:<service>.<method> channels, one event stream
const bridge: R2RBridge = {
  invoke(channel, args) {
    if (!parseChannel(channel)) return Promise.reject(new Error(`not an API channel: ${channel}`));
    return ipcRenderer.invoke(channel, args) as Promise<BridgeReply>;
  },
  onEvent(listener) {
    const handler = (_e: IpcRendererEvent, event: ApiEvent) => listener(event);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => ipcRenderer.off(EVENT_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld('r2rBridge', bridge);
