import { utilityProcess } from 'electron';
import { describeExit, isFromWorker, type WorkerFactory } from '../jobs/protocol';

const STDERR_TAIL = 4000;

/** The desktop adapter: each job worker is an Electron utility process running the bundled worker entry. */
export function utilityWorkerFactory(entry: string): WorkerFactory {
  return (hooks) => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'R2R Studio jobs', stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      process.stderr.write(d);
      stderr = (stderr + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.on('message', (msg: unknown) => {
      if (isFromWorker(msg)) hooks.message(msg);
    });
    let gone = false;
    child.on('exit', (code) => {
      if (gone) return;
      gone = true;
      // let the last stderr lines arrive before quoting them
      setTimeout(() => hooks.exit(describeExit(code, null, stderr)), 50);
    });
    return {
      get pid() {
        return child.pid;
      },
      send(msg) {
        if (!gone) child.postMessage(msg);
      },
      kill() {
        if (gone) return;
        const pid = child.pid;
        child.kill();
        // SIGTERM does not stop a process stuck in native code: follow up with SIGKILL
        setTimeout(() => {
          if (gone || pid === undefined) return;
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 1000);
      },
    };
  };
}
