import { describe, expect, it } from 'vitest';
import { History } from '../../../renderer/canvas/history';

// a tiny store: a record of numbers, diffs are {key, from, to}
function numberStore() {
  const state: Record<string, number> = {};
  type D = { key: string; from: number | undefined; to: number };
  const history = new History<D>({
    apply(d, dir) {
      const v = dir === 'undo' ? d.from : d.to;
      if (v === undefined) delete state[d.key];
      else state[d.key] = v;
    },
  });
  const set = (key: string, to: number) => {
    const d = { key, from: state[key], to };
    state[key] = to;
    history.record(d);
  };
  return { state, history, set };
}

describe('History', () => {
  it('undoes and redoes a whole step between marks at once', () => {
    const { state, history, set } = numberStore();
    history.mark();
    set('a', 1);
    history.mark();
    set('a', 2);
    set('b', 5);
    set('a', 3);
    expect(state).toEqual({ a: 3, b: 5 });
    expect(history.undoDepth).toBe(2);
    history.undo();
    expect(state).toEqual({ a: 1 });
    history.undo();
    expect(state).toEqual({});
    expect(history.canUndo).toBe(false);
    history.redo();
    expect(state).toEqual({ a: 1 });
    history.redo();
    expect(state).toEqual({ a: 3, b: 5 });
    expect(history.canRedo).toBe(false);
  });

  it('bailToMark rolls the running gesture back and forgets it', () => {
    const { state, history, set } = numberStore();
    history.mark();
    set('a', 1);
    const m = history.mark();
    set('a', 2);
    set('c', 7);
    history.bailToMark(m);
    expect(state).toEqual({ a: 1 });
    expect(history.canRedo).toBe(false);
    history.undo();
    expect(state).toEqual({});
  });

  it('skips empty steps and clears redo on a new change', () => {
    const { state, history, set } = numberStore();
    history.mark();
    set('a', 1);
    history.mark(); // a click that changed nothing
    history.mark();
    expect(history.undoDepth).toBe(1);
    expect(history.undo()).toBe(true);
    expect(state).toEqual({});
    expect(history.undo()).toBe(false);
    history.redo();
    history.undo();
    history.mark();
    set('z', 9);
    expect(history.canRedo).toBe(false);
  });

  it('drops the oldest steps past its byte budget', () => {
    const state: number[] = [];
    const h = new History<number>({ apply: (d, dir) => (dir === 'undo' ? state.pop() : state.push(d)) }, { sizeOf: () => 10, maxBytes: 25 });
    for (let i = 0; i < 5; i++) {
      h.mark();
      state.push(i);
      h.record(i);
    }
    expect(h.undoDepth).toBe(2);
    expect(h.retainedBytes).toBeLessThanOrEqual(25);
  });
});
