import { app, BrowserWindow, dialog, Menu, session } from 'electron';
import { join } from 'node:path';
import { createBackend } from '../api/index';
import { describeError } from '../common/errors';
import { APP_INDEX_URL } from './app-protocol';
import { wireIpc } from './ipc';
import { libraryMenuActions } from './library-menu';
import { menuTemplate } from './menu';
import { handleProtocols, registerSchemes } from './protocols';
import { allowPermission, APP_ORIGIN, contentSecurityPolicy, withSecurityHeaders } from './security';
import { utilityWorkerFactory } from './utility-worker';
import { createMainWindow } from './window';

// one studio per user: a second launch focuses the first window
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start();
}

function start(): void {
  registerSchemes();
  const here = import.meta.dirname;
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  const appUrl = devUrl ?? APP_INDEX_URL;
  const csp = contentSecurityPolicy(devUrl ? { devServer: devUrl } : {});
  const backend = createBackend({ jobWorker: utilityWorkerFactory(join(here, 'worker.js')) });
  const library = libraryMenuActions(backend.api.library, (e) => backend.events.emit(e));
  let mainWindow: BrowserWindow | undefined;

  const openWindow = () => {
    mainWindow = createMainWindow({ preload: join(here, '../preload/index.cjs'), appUrl, stateFile: join(app.getPath('userData'), 'window-state.json') });
    mainWindow.on('closed', () => (mainWindow = undefined));
  };

  const report = (err: unknown) => {
    const options = { type: 'error' as const, title: 'R2R Studio', message: describeError(err) };
    void (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options));
  };
  const attempt = (fn: () => Promise<unknown>) => {
    fn().catch(report);
  };

  const chooseLibrary = async (create: boolean) => {
    const parent = mainWindow ?? BrowserWindow.getFocusedWindow() ?? undefined;
    if (create) {
      const r = parent
        ? await dialog.showSaveDialog(parent, { title: 'New Library', buttonLabel: 'Create Library', nameFieldLabel: 'Library folder' })
        : await dialog.showSaveDialog({ title: 'New Library', buttonLabel: 'Create Library', nameFieldLabel: 'Library folder' });
      if (!r.canceled && r.filePath) attempt(() => library.create(r.filePath!));
    } else {
      const options = { title: 'Open Library', buttonLabel: 'Open Library', properties: ['openDirectory' as const] };
      const r = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      if (!r.canceled && r.filePaths[0]) attempt(() => library.open(r.filePaths[0]!));
    }
  };

  const buildMenu = () => {
    const template = menuTemplate(
      { platform: process.platform, appName: app.getName(), recent: backend.library.recent(), dev: Boolean(devUrl) },
      {
        command: (command) => backend.events.emit({ type: 'app.command', payload: { command } }),
        openLibrary: () => void chooseLibrary(false),
        createLibrary: () => void chooseLibrary(true),
        openRecent: (path) => attempt(() => library.open(path)),
        clearRecent: () => attempt(() => library.clearRecent()),
      },
    );
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  // no page may embed other content through <webview>
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
  });

  void app.whenReady().then(() => {
    // the recent list changes whoever opens a library (menu, dialog or the page): the menu follows it
    backend.library.onChange(buildMenu);
    const ses = session.defaultSession;
    // nothing the page asks for is granted: no camera, microphone, notifications, ...
    ses.setPermissionRequestHandler((_wc, permission, callback) => callback(allowPermission(permission)));
    ses.setPermissionCheckHandler((_wc, permission) => allowPermission(permission));
    ses.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withSecurityHeaders(details.responseHeaders, csp) }));
    handleProtocols({ rendererRoot: join(here, '../renderer'), library: () => backend.library.current, csp, pageOrigin: devUrl ? new URL(devUrl).origin : APP_ORIGIN });
    wireIpc(backend, () => BrowserWindow.getAllWindows().map((w) => w.webContents), appUrl);
    buildMenu();
    openWindow();
    attempt(() => library.reopenLast());
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('will-quit', () => {
    void backend.close();
  });
}
