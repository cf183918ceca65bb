// the body of a job worker process: a forked Node process or an Electron utility process
// hosts the worker runtime for the kinds its entry (main/api/job-worker-entry.ts) gives.
import { pathToFileURL } from 'node:url';
import { kindTable, type AnyJobKind } from './kind';
import type { FromWorker, ToWorker } from './protocol';
import { createWorkerRuntime } from './worker-runtime';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

/** modules named by `--job-kinds <path>` add kinds (their `jobKinds` export); tests use it */
async function extraKinds(argv: string[]): Promise<AnyJobKind[]> {
  const kinds: AnyJobKind[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--job-kinds' || !argv[i + 1]) continue;
    const spec = argv[++i]!;
    const mod = (await import(spec.startsWith('file:') ? spec : pathToFileURL(spec).href)) as { jobKinds?: AnyJobKind[] };
    if (!Array.isArray(mod.jobKinds)) throw new Error(`${spec} exports no jobKinds array`);
    kinds.push(...mod.jobKinds);
  }
  return kinds;
}

/** runs this process as a job worker for `kinds` (and those named by --job-kinds) until its parent goes */
export async function hostJobWorker(kinds: readonly AnyJobKind[]): Promise<void> {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  const post: (msg: FromWorker) => void = parentPort
    ? (msg) => parentPort.postMessage(msg)
    : (msg) => {
        if (!process.send) throw new Error('the job worker was started without an IPC channel');
        process.send(msg);
      };
  const runtime = createWorkerRuntime(kindTable([...kinds, ...(await extraKinds(process.argv.slice(2)))]), post);
  if (parentPort) parentPort.on('message', (e) => runtime.handle(e.data as ToWorker));
  else {
    process.on('message', (msg) => runtime.handle(msg as ToWorker));
    // the parent is gone: nothing left to work for
    process.on('disconnect', () => process.exit(0));
  }
  runtime.ready();
}
