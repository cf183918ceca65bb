import type { CliIo } from './command';

export interface ProgressReporter {
  update(done: number, total: number, label?: string): void;
  done(summary?: string): void;
}

/**
 * A progress bar on a terminal (stderr), JSON lines elsewhere (so scripts and CI logs can
 * follow long work). Updates are throttled so progress never costs real time.
 */
export function createProgress(io: CliIo, task: string, opts: { json?: boolean } = {}): ProgressReporter {
  const tty = Boolean(io.stderr.isTTY) && !opts.json;
  let last = 0;
  let lastDone = -1;
  return {
    update(done, total, label) {
      const now = Date.now();
      if (done !== total && now - last < (tty ? 80 : 1000)) return;
      if (done === lastDone) return;
      last = now;
      lastDone = done;
      if (tty) {
        const width = Math.max(10, Math.min(40, (io.stderr.columns ?? 80) - 40));
        const frac = total > 0 ? done / total : 0;
        const filled = Math.round(frac * width);
        const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
        io.stderr.write(`\r${task} [${bar}] ${done}/${total}${label ? ' ' + label.slice(0, 30) : ''}\x1b[K`);
      } else {
        io.stderr.write(JSON.stringify({ event: 'progress', task, done, total, label }) + '\n');
      }
    },
    done(summary) {
      if (tty) io.stderr.write(`\r${task}: ${summary ?? 'done'}\x1b[K\n`);
      else io.stderr.write(JSON.stringify({ event: 'done', task, summary }) + '\n');
    },
  };
}
