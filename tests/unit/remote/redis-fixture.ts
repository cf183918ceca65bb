import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { projectRoot } from '../../../main/common/version';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { modelFor, releaseCachedModel } from '../../../main/shots/kept-model';
import { shotSettings } from '../../../main/shots/shot-settings';
import { tempDir } from '../export/fixtures';

/** the tiny demo model, adapted into its cache once here so no worker process in a test pays for it */
export async function adaptedDemoModel(prefix: string): Promise<{ modelDir: string; cacheDir: string }> {
  const dir = tempDir(prefix);
  const modelDir = join(dir, 'tiny-demo');
  const cacheDir = join(dir, 'cache');
  writeDemoModel(modelDir, { seed: 5 });
  await modelFor(shotSettings({ model: modelDir, cacheDir }));
  await releaseCachedModel();
  return { modelDir, cacheDir };
}

/** a port nothing listens on now */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** a real redis-server on a loopback port, without persistence; restart() keeps the port */
export class RedisServer {
  private proc: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(extra: string[] = []): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    });
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await gone;
  }
}

/** an `r2r worker --json` child process and the JSON lines it printed */
export class WorkerProcess {
  readonly lines: Record<string, unknown>[] = [];
  stderr = '';
  readonly proc: ChildProcess;
  private waiters: { check: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.proc = spawn(process.execPath, [join(projectRoot(), 'bin/r2r.js'), 'worker', ...args, '--json'], { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    this.proc.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString('utf8');
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!text.startsWith('{')) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.check(line) ? (w.resolve(line), false) : true));
      }
    });
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }

  /** the first line (already printed or to come) that passes `check` */
  waitFor(check: (l: Record<string, unknown>) => boolean, ms = 60_000): Promise<Record<string, unknown>> {
    const seen = this.lines.find(check);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker printed no matching line in ${ms} ms; stderr: ${this.stderr}`)), ms);
      this.waiters.push({ check, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  }

  /** job ids of the shots this worker finished */
  done(): string[] {
    return this.lines.filter((l) => l.event === 'shot-done').map((l) => l.jobId as string);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    await this.exited;
  }
}
