import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { Backend } from '../api/index';
import { registerIpc } from '../api/ipc-handlers';
import { isAppUrl } from './security';

/** the generated API handlers on Electron's ipcMain, answering only the studio's own page */
export function wireIpc(backend: Backend, windows: () => WebContents[], appUrl: string): () => void {
  return registerIpc(ipcMain, backend, windows, (event) => isAppUrl((event as IpcMainInvokeEvent).senderFrame?.url ?? '', appUrl));
}
