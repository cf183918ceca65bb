import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiEvent } from '../../../preload/api/contract';
import { APP_COMMANDS } from '../../../preload/api/app-commands';
import { libraryMenuActions } from '../../../main/app/library-menu';
import { createLibraryService, LibraryHolder } from '../../../main/api/library-service';
import { createLibrary } from '../../../main/catalog/index';
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

describe('the library menu: the backend\'s library API, one recent list', () => {
  const setup = (name: string) => {
    const recentFile = join(dir, `${name}.json`);
    const holder = new LibraryHolder({ recentFile });
    const events: ApiEvent[] = [];
    const menu = libraryMenuActions(createLibraryService(holder), (e) => events.push(e));
    return { recentFile, holder, events, menu };
  };

  it('opens and creates libraries in the backend\'s holder, remembers them in one list, and tells the page', async () => {
    const { recentFile, holder, events, menu } = setup('recent');
    let changes = 0;
    holder.onChange(() => changes++);
    const created = await menu.create(join(dir, 'libs', 'new one'));
    expect(holder.current?.root).toBe(created.root);
    const other = createLibrary(join(dir, 'libs', 'other'));
    other.close();
    const opened = await menu.open(other.root);
    expect(holder.current?.root).toBe(other.root);
    expect(opened).toMatchObject({ root: other.root, name: 'other', garments: 0 });
    expect(events).toEqual([
      { type: 'app.command', payload: { command: 'library-created', path: created.root } },
      { type: 'app.command', payload: { command: 'library-opened', path: other.root } },
    ]);
    expect(changes).toBe(2);
    // what the menu lists is what the page's picker lists: the same file, read by a new holder too
    expect(holder.recent().map((r) => r.path)).toEqual([other.root, created.root]);
    expect(await createLibraryService(new LibraryHolder({ recentFile })).recent()).toEqual([other.root, created.root]);
    await menu.clearRecent();
    expect(changes).toBe(3);
    expect(JSON.parse(readFileSync(recentFile, 'utf8')).libraries).toEqual([]);
    holder.close();
  });

  it('reopens the newest recent library at start, and nothing when the list is empty', async () => {
    const { recentFile, events, menu, holder: before } = setup('recent3');
    expect(await menu.reopenLast()).toBeUndefined();
    const first = (await menu.create(join(dir, 'libs', 'first'))).root;
    const second = (await menu.create(join(dir, 'libs', 'second'))).root;
    before.close();
    // a new studio process: a fresh holder reading the same recent list
    const holder = new LibraryHolder({ recentFile });
    const events2: ApiEvent[] = [];
    const restarted = libraryMenuActions(createLibraryService(holder), (e) => events2.push(e));
    const reopened = await restarted.reopenLast();
    expect(reopened?.root).toBe(second);
    expect(holder.current?.root).toBe(second);
    expect(events2).toEqual([{ type: 'app.command', payload: { command: 'library-opened', path: second } }]);
    expect(first).not.toBe(second);
    expect(events.length).toBe(2);
    holder.close();
  });

  it('refuses folders that are gone or are not libraries, keeping the open one and telling the page nothing', async () => {
    const { holder, events, menu } = setup('recent2');
    const root = (await menu.create(join(dir, 'libs', 'kept'))).root;
    events.length = 0;
    await expect(menu.open(join(dir, 'nowhere'))).rejects.toMatchObject({ code: 'not-a-library' });
    writeFileSync(join(dir, 'file.txt'), 'x');
    await expect(menu.open(join(dir, 'file.txt'))).rejects.toMatchObject({ code: 'not-a-library' });
    expect(holder.current?.root).toBe(root);
    expect(events).toEqual([]);
    holder.close();
  });
});
