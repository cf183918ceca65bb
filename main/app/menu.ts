import { basename } from 'node:path';
import type { AppCommand } from '../../preload/api/app-commands';
import type { RecentLibrary } from '../api/recent-libraries';

type Role =
  | 'about' | 'services' | 'hide' | 'hideOthers' | 'unhide' | 'quit' | 'cut' | 'copy' | 'paste' | 'selectAll'
  | 'reload' | 'forceReload' | 'toggleDevTools' | 'togglefullscreen' | 'minimize' | 'zoom' | 'close' | 'front';

/** the shape of Electron's MenuItemConstructorOptions that the studio uses (plain data, testable) */
export interface MenuItemSpec {
  label?: string;
  role?: Role;
  type?: 'separator' | 'submenu';
  accelerator?: string;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItemSpec[];
}

export interface MenuActions {
  command(command: AppCommand): void;
  openLibrary(): void;
  createLibrary(): void;
  openRecent(path: string): void;
  clearRecent(): void;
}

const separator: MenuItemSpec = { type: 'separator' };

/**
 * The native menus and their shortcuts. Editing and canvas commands go to the page as
 * `app.command` events; only window and clipboard items use Electron's roles. No shortcut
 * is a bare letter: those would be stolen from text fields (tool keys live in the page).
 */
export function menuTemplate(opts: { platform: NodeJS.Platform; appName: string; recent: readonly RecentLibrary[]; dev: boolean }, actions: MenuActions): MenuItemSpec[] {
  const mac = opts.platform === 'darwin';
  const cmd = (label: string, command: AppCommand, accelerator?: string): MenuItemSpec => ({ label, ...(accelerator ? { accelerator } : {}), click: () => actions.command(command) });
  const recent: MenuItemSpec[] = opts.recent.length
    ? [
        ...opts.recent.map((r) => ({ label: `${basename(r.path)} — ${r.path}`, click: () => actions.openRecent(r.path) })),
        separator,
        { label: 'Clear Recent', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No Recent Libraries', enabled: false }];

  const template: MenuItemSpec[] = [];
  if (mac) {
    template.push({
      label: opts.appName,
      submenu: [{ role: 'about' }, separator, { role: 'services' }, separator, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, separator, { role: 'quit' }],
    });
  }
  template.push(
    {
      label: 'File',
      submenu: [
        { label: 'New Library…', accelerator: 'CmdOrCtrl+Shift+N', click: () => actions.createLibrary() },
        { label: 'Open Library…', accelerator: 'CmdOrCtrl+O', click: () => actions.openLibrary() },
        { label: 'Open Recent', submenu: recent },
        separator,
        cmd('Export…', 'export', 'CmdOrCtrl+E'),
        separator,
        mac ? { role: 'close' } : { role: 'quit', accelerator: 'CmdOrCtrl+Q' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        cmd('Undo', 'undo', 'CmdOrCtrl+Z'),
        cmd('Redo', 'redo', 'CmdOrCtrl+Shift+Z'),
        separator,
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'Image',
      submenu: [cmd('Generate', 'generate', 'CmdOrCtrl+Enter'), cmd('Cancel Job', 'cancel-job', 'CmdOrCtrl+.')],
    },
    {
      label: 'View',
      submenu: [
        cmd('Zoom In', 'zoom-in', 'CmdOrCtrl+='),
        cmd('Zoom Out', 'zoom-out', 'CmdOrCtrl+-'),
        cmd('Fit to Window', 'zoom-fit', 'CmdOrCtrl+0'),
        cmd('Actual Size', 'zoom-actual', 'CmdOrCtrl+1'),
        separator,
        { role: 'togglefullscreen' },
        ...(opts.dev ? [separator, { role: 'reload' as const }, { role: 'toggleDevTools' as const }] : []),
      ],
    },
    {
      label: 'Window',
      submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, separator, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }],
    },
  );
  if (!mac) template.push({ label: 'Help', submenu: [cmd(`About ${opts.appName}`, 'about')] });
  return template;
}

/** every accelerator in a template, depth first (for checks and the shortcuts list) */
export function accelerators(template: readonly MenuItemSpec[]): { label: string; accelerator: string }[] {
  const out: { label: string; accelerator: string }[] = [];
  for (const item of template) {
    if (item.accelerator) out.push({ label: item.label ?? item.role ?? '', accelerator: item.accelerator });
    if (item.submenu) out.push(...accelerators(item.submenu));
  }
  return out;
}
