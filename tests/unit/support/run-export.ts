import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../../main/common/version';

export interface ExportRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: Record<string, unknown>[];
  stderr: string;
}

/** runs `r2r export ...` as a child process; `killWhen` sees each JSON line and may ask for `signal` */
export function runExport(args: string[], killWhen?: (line: Record<string, unknown>) => boolean, signal: NodeJS.Signals = 'SIGKILL'): Promise<ExportRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(projectRoot(), 'bin/r2r.js'), 'export', ...args, '--json'], { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Record<string, unknown>[] = [];
    let buffered = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString('utf8');
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!text.trim()) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        if (!killed && killWhen?.(line)) {
          killed = true;
          child.kill(signal);
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, lines, stderr }));
  });
}
