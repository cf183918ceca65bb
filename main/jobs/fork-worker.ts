import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describeExit, isFromWorker, type WorkerFactory } from './protocol';

export interface ForkWorkerOptions {
  /** the worker's entry module (a .ts entry runs through tsx); the composition root names it (main/api/job-worker.ts) */
  entry: string;
  /** extra modules exporting `jobKinds` (tests add their own kinds this way) */
  kindModules?: string[];
  env?: NodeJS.ProcessEnv;
  /** extra Node flags for the worker (after the TypeScript loader) */
  execArgv?: string[];
}

const STDERR_TAIL = 4000;

/** The plain-Node adapter: each worker is a `child_process.fork` with structured-clone IPC. */
export function forkWorkerFactory(opts: ForkWorkerOptions): WorkerFactory {
  const { entry } = opts;
  // TypeScript sources need tsx's loader in the child; a bundled .js entry does not
  const execArgv = [...(entry.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : []), ...(opts.execArgv ?? [])];
  const args = (opts.kindModules ?? []).flatMap((m) => ['--job-kinds', m]);
  return (hooks) => {
    const child = fork(entry, args, {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: opts.env ?? process.env,
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      process.stderr.write(d);
      stderr = (stderr + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.on('message', (msg) => {
      if (isFromWorker(msg)) hooks.message(msg);
    });
    let exited = false;
    const onGone = (reason: string) => {
      if (exited) return;
      exited = true;
      hooks.exit(reason);
    };
    child.on('error', (err) => onGone(`the job worker could not run: ${err.message}`));
    // 'close' comes after stderr is drained, so the reason can quote its last lines
    child.on('close', (code, signal) => onGone(describeExit(code, signal, stderr)));
    return {
      pid: child.pid,
      send(msg) {
        if (child.connected) child.send(msg);
      },
      kill() {
        child.kill('SIGKILL');
      },
    };
  };
}
