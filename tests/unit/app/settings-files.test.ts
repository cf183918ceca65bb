import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addRecent, loadRecent, MAX_RECENT, saveRecent } from '../../../main/api/recent-libraries';
import { defaultBounds, loadWindowState, placeWindow, saveWindowState, type WindowState } from '../../../main/app/window-state';

const dir = mkdtempSync(join(tmpdir(), 'r2r-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const laptop = { x: 0, y: 0, width: 1920, height: 1050 };
const rightMonitor = { x: 1920, y: 0, width: 2560, height: 1400 };
const state = (x: number, y: number, width: number, height: number): WindowState => ({ version: 1, bounds: { x, y, width, height }, maximized: false, fullScreen: false });

describe('window state', () => {
  it('reopens where it was on a screen that still exists', () => {
    expect(placeWindow(state(2000, 100, 1600, 1000), [laptop, rightMonitor])).toEqual({ x: 2000, y: 100, width: 1600, height: 1000 });
  });

  it('falls back to the centred default when its monitor is gone', () => {
    expect(placeWindow(state(2000, 100, 1600, 1000), [laptop])).toEqual({ x: 240, y: 75, width: 1440, height: 900 });
    expect(defaultBounds([laptop])).toEqual({ x: 240, y: 75, width: 1440, height: 900 });
  });

  it('pulls a window hanging off the edge back in, and shrinks one bigger than the screen', () => {
    expect(placeWindow(state(1800, -20, 1000, 800), [laptop])).toEqual({ x: 920, y: 0, width: 1000, height: 800 });
    expect(placeWindow(state(10, 10, 4000, 3000), [laptop])).toEqual({ x: 0, y: 0, width: 1920, height: 1050 });
  });

  it('round-trips through its file and ignores a damaged or foreign one', () => {
    const file = join(dir, 'window-state.json');
    expect(loadWindowState(file)).toBeUndefined();
    saveWindowState(file, { bounds: { x: 10.4, y: 20, width: 1200, height: 800 }, maximized: true, fullScreen: false });
    expect(loadWindowState(file)).toEqual({ version: 1, bounds: { x: 10, y: 20, width: 1200, height: 800 }, maximized: true, fullScreen: false });
    for (const bad of ['{not json', '[]', JSON.stringify({ version: 2, bounds: { x: 0, y: 0, width: 10, height: 10 }, maximized: false, fullScreen: false }), JSON.stringify({ version: 1, bounds: { x: 0, y: 0, width: -5, height: 10 }, maximized: false, fullScreen: false }), JSON.stringify({ version: 1, bounds: { x: 'a', y: 0, width: 5, height: 10 }, maximized: false, fullScreen: false })]) {
      writeFileSync(file, bad);
      expect(loadWindowState(file), bad).toBeUndefined();
    }
  });

  it('does not write a state that would not load back', () => {
    const file = join(dir, 'window-nan.json');
    saveWindowState(file, { bounds: { x: Number.NaN, y: 0, width: 100, height: 100 }, maximized: false, fullScreen: false });
    expect(loadWindowState(file)).toBeUndefined();
  });
});

describe('recent libraries', () => {
  it('keeps the newest first, each folder once, at most ten', () => {
    let list = addRecent([], '/libs/a', 1);
    list = addRecent(list, '/libs/b', 2);
    list = addRecent(list, '/libs/a/', 3);
    expect(list).toEqual([
      { path: '/libs/a', openedAt: 3 },
      { path: '/libs/b', openedAt: 2 },
    ]);
    for (let i = 0; i < 20; i++) list = addRecent(list, `/libs/n${i}`, 10 + i);
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0]!.path).toBe('/libs/n19');
  });

  it('loads only valid entries for folders that still exist', () => {
    const a = join(dir, 'lib-a');
    const b = join(dir, 'lib-b');
    mkdirSync(a);
    mkdirSync(b);
    const file = join(dir, 'recent.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        libraries: [
          { path: a, openedAt: 5 },
          { path: join(dir, 'deleted'), openedAt: 9 },
          { path: 'relative/lib', openedAt: 8 },
          { path: b, openedAt: 7 },
          { path: a, openedAt: 1 },
        ],
      }),
    );
    expect(loadRecent(file)).toEqual([
      { path: b, openedAt: 7 },
      { path: a, openedAt: 5 },
    ]);
    saveRecent(file, addRecent(loadRecent(file), a, 100));
    expect(JSON.parse(readFileSync(file, 'utf8')).libraries.map((r: { path: string }) => r.path)).toEqual([a, b]);
  });

  it('reads the bare list of the first builds, newest first, and writes it back versioned', () => {
    const a = join(dir, 'old-a');
    const b = join(dir, 'old-b');
    mkdirSync(a);
    mkdirSync(b);
    const file = join(dir, 'recent-legacy.json');
    writeFileSync(file, JSON.stringify([b, join(dir, 'gone'), a, 42].filter((x) => x !== 42)));
    expect(loadRecent(file).map((r) => r.path)).toEqual([b, a]);
    saveRecent(file, addRecent(loadRecent(file), a, 100));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, libraries: [{ path: a, openedAt: 100 }, { path: b }] });
    writeFileSync(file, JSON.stringify([a, 42]));
    expect(loadRecent(file)).toEqual([]);
  });

  it('treats a damaged file as no recent libraries', () => {
    const file = join(dir, 'recent-bad.json');
    for (const bad of ['nope', JSON.stringify({ version: 1, libraries: [{ path: 42, openedAt: 1 }] }), JSON.stringify({ libraries: [] })]) {
      writeFileSync(file, bad);
      expect(loadRecent(file)).toEqual([]);
    }
  });
});
