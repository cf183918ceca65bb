/** the keyboard map of the studio: one table the handlers and the "?" overlay both read */
export interface Shortcut {
  action: string;
  /** e.g. 'mod+z', 'mod+shift+z', 'b', '[', 'space' (mod is Ctrl, or Cmd on macOS) */
  keys: string[];
  label: string;
  group: 'Canvas' | 'Tools' | 'Masks' | 'View' | 'App';
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'undo', keys: ['mod+z'], label: 'Undo the last gesture', group: 'Canvas' },
  { action: 'redo', keys: ['mod+shift+z', 'mod+y'], label: 'Redo', group: 'Canvas' },
  { action: 'save', keys: ['mod+s'], label: 'Save masks to the library', group: 'Canvas' },
  { action: 'tool.brush', keys: ['b'], label: 'Brush', group: 'Tools' },
  { action: 'tool.eraser', keys: ['e'], label: 'Eraser', group: 'Tools' },
  { action: 'tool.lasso', keys: ['l'], label: 'Lasso', group: 'Tools' },
  { action: 'tool.polygon', keys: ['p'], label: 'Polygon (Enter closes, Backspace removes a corner)', group: 'Tools' },
  { action: 'tool.rectangle', keys: ['r'], label: 'Rectangle (Shift: square)', group: 'Tools' },
  { action: 'tool.select-background', keys: ['g'], label: 'Select background', group: 'Tools' },
  { action: 'tool.select-object', keys: ['s'], label: 'Select object (Segment Anything: click, Alt-click to remove, drag a box; Enter adds)', group: 'Tools' },
  { action: 'size.down', keys: ['['], label: 'Smaller brush', group: 'Tools' },
  { action: 'size.up', keys: [']'], label: 'Larger brush', group: 'Tools' },
  { action: 'layer.toggle', keys: ['x'], label: 'Switch edit mask / texture-lock mask', group: 'Masks' },
  { action: 'mask.invert', keys: ['mod+i'], label: 'Invert the mask', group: 'Masks' },
  { action: 'mask.clear', keys: ['delete'], label: 'Clear the mask', group: 'Masks' },
  { action: 'mask.feather', keys: ['f'], label: 'Feather the mask', group: 'Masks' },
  { action: 'view.fit', keys: ['0'], label: 'Fit to window', group: 'View' },
  { action: 'view.actual', keys: ['1'], label: 'Zoom 100%', group: 'View' },
  { action: 'regions.overlay', keys: ['o'], label: 'Show or hide the region colours of the Regions panel on the canvas', group: 'View' },
  { action: 'view.pan', keys: ['space'], label: 'Hold and drag to pan (or drag with the middle button); the wheel zooms at the cursor', group: 'View' },
  { action: 'compare.modes', keys: ['2', '3', '4', '5'], label: 'Compare: side by side, slider, hover toggle, difference', group: 'View' },
  { action: 'help', keys: ['?'], label: 'Show or hide this help', group: 'App' },
  { action: 'escape', keys: ['escape'], label: 'Cancel the running gesture, close overlays', group: 'App' },
];

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}

/** 'mod+shift+z' for Ctrl+Shift+Z; shift is left out for keys that need it to be typed ('?') */
export function chordOf(e: KeyLike): string {
  const key = e.key === ' ' ? 'space' : e.key.toLowerCase();
  const parts: string[] = [];
  if (e.ctrlKey || e.metaKey) parts.push('mod');
  if (e.altKey) parts.push('alt');
  if (e.shiftKey && /^[a-z0-9]$|^(delete|backspace|enter|space|escape)$/.test(key)) parts.push('shift');
  parts.push(key);
  return parts.join('+');
}

/** the action bound to a key event, if any */
export function actionFor(e: KeyLike): string | undefined {
  const chord = chordOf(e);
  return SHORTCUTS.find((s) => s.keys.includes(chord))?.action;
}

/** 'mod+shift+z' -> 'Ctrl+Shift+Z' for the help overlay */
export function describeKeys(keys: string, mac = false): string {
  return keys
    .split('+')
    .map((k) => (k === 'mod' ? (mac ? '⌘' : 'Ctrl') : k.length === 1 ? k.toUpperCase() : k[0]!.toUpperCase() + k.slice(1)))
    .join('+');
}
