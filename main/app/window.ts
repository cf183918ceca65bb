import { BrowserWindow, screen, shell } from 'electron';
import { WINDOW_DEFAULTS, loadWindowState, placeWindow, saveWindowState } from './window-state';
import { allowNavigation, secureWebPreferences, windowOpenDecision } from './security';

/** the studio's window: secure defaults, remembered bounds, no navigation, no new windows */
export function createMainWindow(opts: { preload: string; appUrl: string; stateFile: string }): BrowserWindow {
  const saved = loadWindowState(opts.stateFile);
  const bounds = placeWindow(saved, screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({
    ...bounds,
    minWidth: WINDOW_DEFAULTS.minWidth,
    minHeight: WINDOW_DEFAULTS.minHeight,
    backgroundColor: '#16171a',
    title: 'R2R Studio',
    show: false,
    webPreferences: secureWebPreferences(opts.preload),
  });
  if (saved?.maximized) win.maximize();
  if (saved?.fullScreen) win.setFullScreen(true);
  win.once('ready-to-show', () => win.show());

  const remember = () => {
    if (win.isDestroyed()) return;
    saveWindowState(opts.stateFile, { bounds: win.getNormalBounds(), maximized: win.isMaximized(), fullScreen: win.isFullScreen() });
  };
  let timer: NodeJS.Timeout | undefined;
  const rememberSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(remember, 500);
  };
  for (const e of ['resized', 'moved', 'maximize', 'unmaximize', 'enter-full-screen', 'leave-full-screen'] as const) win.on(e as 'resized', rememberSoon);
  win.on('close', () => {
    clearTimeout(timer);
    remember();
  });

  const contents = win.webContents;
  contents.on('will-navigate', (e, url) => {
    if (!allowNavigation(url, opts.appUrl)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!allowNavigation(url, opts.appUrl)) e.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.openExternally) void shell.openExternal(decision.openExternally);
    return { action: 'deny' };
  });
  void win.loadURL(opts.appUrl);
  return win;
}
