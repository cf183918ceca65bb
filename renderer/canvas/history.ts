/**
 * Undo history as a list of store diffs with marks (the tldraw HistoryManager shape).
 * A gesture sets a mark when it starts and records diffs while it runs; cancelling rolls
 * back to its mark; undo and redo apply everything between two marks at once, so one
 * brush stroke of a hundred dabs is one step.
 */
export interface HistoryTarget<D> {
  apply(diff: D, direction: 'undo' | 'redo'): void;
}

type Entry<D> = { type: 'diff'; diff: D } | { type: 'mark'; id: string };
interface Step<D> {
  mark: string | undefined;
  diffs: D[];
}

export interface HistoryOptions<D> {
  /** bytes a diff keeps alive; with maxBytes the oldest steps are dropped past the budget */
  sizeOf?: (diff: D) => number;
  maxBytes?: number;
}

let markCounter = 0;

export class History<D> {
  private undos: Entry<D>[] = [];
  private redos: Step<D>[] = [];
  private bytes = 0;
  private listeners = new Set<() => void>();

  constructor(
    private readonly target: HistoryTarget<D>,
    private readonly options: HistoryOptions<D> = {},
  ) {}

  /** starts a step; returns the mark's id for bailToMark */
  mark(id = `mark-${++markCounter}`): string {
    this.undos.push({ type: 'mark', id });
    return id;
  }

  /** keeps a diff that has already been applied to the target */
  record(diff: D): void {
    this.undos.push({ type: 'diff', diff });
    this.bytes += this.sizeOf(diff);
    this.redos = [];
    this.trim();
    this.changed();
  }

  get canUndo(): boolean {
    return this.undos.some((e) => e.type === 'diff');
  }

  get canRedo(): boolean {
    return this.redos.length > 0;
  }

  /** the number of undoable steps (marks with at least one diff after them) */
  get undoDepth(): number {
    let steps = 0;
    let pending = false;
    for (const e of this.undos) {
      if (e.type === 'diff') pending = true;
      else if (pending) {
        steps++;
        pending = false;
      }
    }
    return steps + (pending ? 1 : 0);
  }

  /** rolls back and forgets everything since the mark (cancel of a gesture) */
  bailToMark(id: string): void {
    const at = this.undos.findLastIndex((e) => e.type === 'mark' && e.id === id);
    if (at < 0) return;
    const dropped = this.undos.splice(at);
    for (let i = dropped.length - 1; i >= 0; i--) {
      const e = dropped[i]!;
      if (e.type === 'diff') {
        this.target.apply(e.diff, 'undo');
        this.bytes -= this.sizeOf(e.diff);
      }
    }
    this.changed();
  }

  /** undoes the latest step with diffs, atomically; empty steps (a click that changed nothing) are skipped */
  undo(): boolean {
    while (this.undos.length > 0) {
      const diffs: D[] = [];
      while (this.undos.at(-1)?.type === 'diff') diffs.push((this.undos.pop() as { diff: D }).diff);
      const mark = this.undos.at(-1)?.type === 'mark' ? (this.undos.pop() as { id: string }).id : undefined;
      if (diffs.length === 0) continue;
      // diffs were popped newest first, which is the order to undo them in
      for (const d of diffs) this.target.apply(d, 'undo');
      for (const d of diffs) this.bytes -= this.sizeOf(d);
      this.redos.push({ mark, diffs: diffs.reverse() });
      this.changed();
      return true;
    }
    return false;
  }

  redo(): boolean {
    const step = this.redos.pop();
    if (!step) return false;
    if (step.mark !== undefined) this.undos.push({ type: 'mark', id: step.mark });
    for (const d of step.diffs) {
      this.target.apply(d, 'redo');
      this.undos.push({ type: 'diff', diff: d });
      this.bytes += this.sizeOf(d);
    }
    this.changed();
    return true;
  }

  clear(): void {
    this.undos = [];
    this.redos = [];
    this.bytes = 0;
    this.changed();
  }

  get retainedBytes(): number {
    return this.bytes + this.redos.reduce((s, st) => s + st.diffs.reduce((t, d) => t + this.sizeOf(d), 0), 0);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private sizeOf(d: D): number {
    return this.options.sizeOf?.(d) ?? 0;
  }

  // drops whole steps from the bottom of the stack until under budget; the running step stays
  private trim(): void {
    const max = this.options.maxBytes;
    if (max === undefined) return;
    while (this.bytes > max) {
      const next = this.undos.findIndex((e, i) => i > 0 && e.type === 'mark');
      if (next < 0) return;
      for (const e of this.undos.splice(0, next)) if (e.type === 'diff') this.bytes -= this.sizeOf(e.diff);
    }
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
