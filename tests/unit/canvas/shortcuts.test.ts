import { describe, expect, it } from 'vitest';
import { actionFor, describeKeys, SHORTCUTS } from '../../../renderer/canvas/shortcuts';

describe('shortcuts', () => {
  it('maps Ctrl+Z to undo and Ctrl+Shift+Z / Ctrl+Y to redo', () => {
    expect(actionFor({ key: 'z', ctrlKey: true })).toBe('undo');
    expect(actionFor({ key: 'Z', ctrlKey: true, shiftKey: true })).toBe('redo');
    expect(actionFor({ key: 'z', metaKey: true, shiftKey: true })).toBe('redo');
    expect(actionFor({ key: 'y', ctrlKey: true })).toBe('redo');
    expect(actionFor({ key: 'z' })).toBeUndefined();
  });

  it('"?" opens help even though it is typed with Shift', () => {
    expect(actionFor({ key: '?', shiftKey: true })).toBe('help');
    expect(actionFor({ key: 'b' })).toBe('tool.brush');
    expect(actionFor({ key: ' ' })).toBe('view.pan');
  });

  it('binds every chord once', () => {
    const chords = SHORTCUTS.flatMap((s) => s.keys);
    expect(new Set(chords).size).toBe(chords.length);
    expect(describeKeys('mod+shift+z')).toBe('Ctrl+Shift+Z');
  });
});
