/** which cells of a virtualised grid to build for a scroll position */
export interface GridWindow {
  columns: number;
  rows: number;
  /** first and one-past-last item index to render */
  from: number;
  to: number;
  /** how many cell slots the grid recycles (keys are index % pool) */
  pool: number;
}

export function gridWindow(o: { total: number; width: number; height: number; scrollTop: number; cellWidth: number; cellHeight: number; overscan: number }): GridWindow {
  const columns = Math.max(1, Math.floor(o.width / o.cellWidth));
  const rows = Math.ceil(o.total / columns);
  const firstRow = Math.max(0, Math.floor(o.scrollTop / o.cellHeight) - o.overscan);
  const lastRow = Math.min(rows, Math.ceil((o.scrollTop + o.height) / o.cellHeight) + o.overscan);
  const pool = (Math.ceil(o.height / o.cellHeight) + 2 * o.overscan + 2) * columns;
  return { columns, rows, from: Math.min(o.total, firstRow * columns), to: Math.min(o.total, Math.max(firstRow, lastRow) * columns), pool };
}
