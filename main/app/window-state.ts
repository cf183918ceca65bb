import { z } from 'zod';
import { readJsonFile, writeJsonFile } from '../common/json-file';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const int = z.number().int().min(-100_000).max(100_000);
const stateSchema = z.object({
  version: z.literal(1),
  bounds: z.object({ x: int, y: int, width: z.number().int().min(1).max(100_000), height: z.number().int().min(1).max(100_000) }),
  maximized: z.boolean(),
  fullScreen: z.boolean(),
});

export type WindowState = z.infer<typeof stateSchema>;

export const WINDOW_DEFAULTS = { width: 1440, height: 900, minWidth: 960, minHeight: 600 };
// a window is reachable when this much of its title bar lies on some screen
const VISIBLE_MIN = 64;

function overlap(a: Rect, b: Rect): { w: number; h: number } {
  return {
    w: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    h: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/** centred default bounds on the primary work area (the first one) */
export function defaultBounds(workAreas: Rect[]): Rect {
  const area = workAreas[0] ?? { x: 0, y: 0, width: WINDOW_DEFAULTS.width, height: WINDOW_DEFAULTS.height };
  const width = Math.min(WINDOW_DEFAULTS.width, area.width);
  const height = Math.min(WINDOW_DEFAULTS.height, area.height);
  return { x: area.x + Math.round((area.width - width) / 2), y: area.y + Math.round((area.height - height) / 2), width, height };
}

/**
 * Bounds to open the window with: the remembered ones when their title bar is on a screen
 * that still exists (sized down to fit it), the default otherwise (a monitor was unplugged).
 */
export function placeWindow(state: WindowState | undefined, workAreas: Rect[]): Rect {
  if (!state) return defaultBounds(workAreas);
  const b = state.bounds;
  const titleBar = { x: b.x, y: b.y, width: b.width, height: 32 };
  const screen = workAreas.find((a) => {
    const o = overlap(titleBar, a);
    return o.w >= Math.min(VISIBLE_MIN, b.width) && o.h > 0;
  });
  if (!screen) return defaultBounds(workAreas);
  const width = Math.max(Math.min(b.width, screen.width), Math.min(WINDOW_DEFAULTS.minWidth, screen.width));
  const height = Math.max(Math.min(b.height, screen.height), Math.min(WINDOW_DEFAULTS.minHeight, screen.height));
  const x = Math.min(Math.max(b.x, screen.x), screen.x + screen.width - width);
  const y = Math.min(Math.max(b.y, screen.y), screen.y + screen.height - height);
  return { x, y, width, height };
}

export function loadWindowState(file: string): WindowState | undefined {
  return readJsonFile(file, stateSchema);
}

export function saveWindowState(file: string, state: Omit<WindowState, 'version'>): void {
  const full = { version: 1 as const, ...state, bounds: { ...state.bounds } };
  for (const k of ['x', 'y', 'width', 'height'] as const) full.bounds[k] = Math.round(full.bounds[k]);
  if (stateSchema.safeParse(full).success) writeJsonFile(file, full);
}
