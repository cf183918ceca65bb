import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiEvent } from '../../../preload/api/contract';
import { APP_COMMANDS } from '../../../preload/api/app-commands';
import { LibrarySession } from '../../../main/app/library-session';
import { accelerators, menuTemplate, type MenuActions, type MenuItemSpec } from '../../../main/app/menu';

function recorder() {
  const calls: string[] = [];
  const actions: MenuActions = {
    command: (c) => calls.push(`command:${c}`),
    openLibrary: () => calls.push('openLibrary'),
    createLibrary: () => calls.push('createLibrary'),
    openRecent: (p) => calls.push(`openRecent:${p}`),
    clearRecent: () => calls.push('clearRecent'),
  };
  return { calls, actions };
}

function find(template: readonly MenuItemSpec[], label: string): MenuItemSpec {
  for (const item of template) {
    if (item.label === label) return item;
    const inner = item.submenu && findOrUndefined(item.submenu, label);
    if (inner) return inner;
  }
  throw new Error(`no menu item ${label}`);
}
function findOrUndefined(t: readonly MenuItemSpec[], label: string): MenuItemSpec | undefined {
  try {
    return find(t, label);
  } catch {
    return undefined;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'r2r-menu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the native menus', () => {
  for (const platform of ['darwin', 'linux', 'win32'] as const) {
    it(`gives every shortcut once on ${platform}, none a bare key`, () => {
      const template = menuTemplate({ platform, appName: 'R2R Studio', recent: [], dev: true }, recorder().actions);
      const keys = accelerators(template).map((a) => a.accelerator);
      expect(new Set(keys).size).toBe(keys.length);
      for (const k of keys) expect(k, k).toMatch(/^(CmdOrCtrl|Cmd|Ctrl|Alt)\+/);
      expect(keys).toEqual(expect.arrayContaining(['CmdOrCtrl+O', 'CmdOrCtrl+Shift+N', 'CmdOrCtrl+E', 'CmdOrCtrl+Z', 'CmdOrCtrl+Shift+Z', 'CmdOrCtrl+Enter', 'CmdOrCtrl+.', 'CmdOrCtrl+=', 'CmdOrCtrl+-', 'CmdOrCtrl+0']));
    });
  }

  it('puts the app menu first on macOS only', () => {
    const mac = menuTemplate({ platform: 'darwin', appName: 'R2R Studio', recent: [], dev: false }, recorder().actions);
    expect(mac.map((m) => m.label)).toEqual(['R2R Studio', 'File', 'Edit', 'Image', 'View', 'Window']);
    expect(mac[0]!.submenu!.some((i) => i.role === 'quit')).toBe(true);
    const linux = menuTemplate({ platform: 'linux', appName: 'R2R Studio', recent: [], dev: false }, recorder().actions);
    expect(linux.map((m) => m.label)).toEqual(['File', 'Edit', 'Image', 'View', 'Window', 'Help']);
    expect(accelerators(linux)).toContainEqual({ label: 'quit', accelerator: 'CmdOrCtrl+Q' });
    expect(find(linux, 'View').submenu!.some((i) => i.role === 'toggleDevTools')).toBe(false);
  });

  it('sends editing and canvas commands to the page and opens libraries', () => {
    const { calls, actions } = recorder();
    const template = menuTemplate({ platform: 'linux', appName: 'R2R Studio', recent: [{ path: '/libs/spring', openedAt: 1 }], dev: false }, actions);
    for (const label of ['Undo', 'Redo', 'Generate', 'Cancel Job', 'Export…', 'Zoom In', 'Fit to Window', 'Open Library…', 'New Library…', 'spring — /libs/spring', 'Clear Recent']) find(template, label).click!();
    expect(calls).toEqual([
      'command:undo',
      'command:redo',
      'command:generate',
      'command:cancel-job',
      'command:export',
      'command:zoom-in',
      'command:zoom-fit',
      'openLibrary',
      'createLibrary',
      'openRecent:/libs/spring',
      'clearRecent',
    ]);
    const sent = calls.filter((c) => c.startsWith('command:')).map((c) => c.slice(8));
    for (const c of sent) expect(APP_COMMANDS).toContain(c);
  });

  it('shows an empty recent list as such', () => {
    const template = menuTemplate({ platform: 'linux', appName: 'R2R Studio', recent: [], dev: false }, recorder().actions);
    expect(find(template, 'Open Recent').submenu).toEqual([{ label: 'No Recent Libraries', enabled: false }]);
  });
});

describe('the library session', () => {
  it('opens and creates library folders, remembers them, and tells the page', async () => {
    const events: ApiEvent[] = [];
    const recentFile = join(dir, 'recent.json');
    const session = new LibrarySession(recentFile, (e) => events.push(e));
    let changes = 0;
    session.onChange(() => changes++);
    const created = await session.create(join(dir, 'libs', 'new one'));
    expect(session.root).toBe(created);
    const opened = await session.open(dir);
    expect(session.root).toBe(opened);
    expect(events).toEqual([
      { type: 'app.command', payload: { command: 'library-created', path: created } },
      { type: 'app.command', payload: { command: 'library-opened', path: opened } },
    ]);
    expect(changes).toBe(2);
    expect(session.recent.map((r) => r.path)).toEqual([opened, created]);
    const again = new LibrarySession(recentFile, () => undefined);
    expect(again.recent.map((r) => r.path)).toEqual([opened, created]);
    again.clearRecent();
    expect(JSON.parse(readFileSync(recentFile, 'utf8')).libraries).toEqual([]);
  });

  it('refuses folders that are gone or are files, keeping the open one', async () => {
    const session = new LibrarySession(join(dir, 'recent2.json'), () => undefined);
    await session.open(dir);
    await expect(session.open(join(dir, 'nowhere'))).rejects.toMatchObject({ code: 'library-missing' });
    writeFileSync(join(dir, 'file.txt'), 'x');
    await expect(session.open(join(dir, 'file.txt'))).rejects.toMatchObject({ code: 'not-a-folder' });
    expect(session.root).toBe(dir);
  });

  it('opens through the library service it is given, and keeps its answer', async () => {
    const calls: string[] = [];
    const opener = {
      open: async (p: string) => (calls.push(`open ${p}`), '/libs/real-root'),
      create: async (p: string) => {
        calls.push(`create ${p}`);
        throw Object.assign(new Error('library exists'), { code: 'library-exists' });
      },
    };
    const events: ApiEvent[] = [];
    const session = new LibrarySession(join(dir, 'recent3.json'), (e) => events.push(e), opener);
    expect(await session.open('/libs/real-root/library.r2r.sqlite')).toBe('/libs/real-root');
    await expect(session.create('/libs/x')).rejects.toMatchObject({ code: 'library-exists' });
    expect(calls).toEqual(['open /libs/real-root/library.r2r.sqlite', 'create /libs/x']);
    expect(session.root).toBe('/libs/real-root');
    expect(events).toHaveLength(1);
  });
});
