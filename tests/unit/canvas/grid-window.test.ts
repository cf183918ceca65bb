import { describe, expect, it } from 'vitest';
import { gridWindow } from '../../../renderer/src/lib/grid-window';

describe('grid window', () => {
  const base = { total: 10_000, width: 1000, height: 600, cellWidth: 196, cellHeight: 268, overscan: 2 };

  it('builds the visible rows plus the overscan, whole rows only', () => {
    // 5 columns; at the top rows 0..2 are visible (600/268), plus 2 overscan below
    const w = gridWindow({ ...base, scrollTop: 0 });
    expect(w.columns).toBe(5);
    expect(w.rows).toBe(2000);
    expect([w.from, w.to]).toEqual([0, 5 * 5]);
    // scrolled to row 100.5: rows 98..105 (100 - 2 .. ceil((26934+600)/268) + 2)
    const m = gridWindow({ ...base, scrollTop: 100.5 * 268 });
    expect([m.from, m.to]).toEqual([98 * 5, 105 * 5]);
    expect(m.to - m.from).toBeLessThanOrEqual(m.pool);
  });

  it('stops at the end and keeps slot keys unique', () => {
    const end = gridWindow({ ...base, scrollTop: 2000 * 268 - 600 });
    expect(end.to).toBe(10_000);
    const keys = new Set<number>();
    for (let i = end.from; i < end.to; i++) keys.add(i % end.pool);
    expect(keys.size).toBe(end.to - end.from);
    expect(gridWindow({ ...base, total: 0, scrollTop: 0 })).toMatchObject({ from: 0, to: 0 });
    expect(gridWindow({ ...base, width: 50, scrollTop: 0 }).columns).toBe(1);
  });
});
