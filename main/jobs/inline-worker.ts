import { kindTable, type AnyJobKind } from './kind';
import type { WorkerFactory } from './protocol';
import { createWorkerRuntime } from './worker-runtime';

/**
 * Runs handlers on this thread through the same protocol: for the CLI, where the process
 * is already separate from any UI, and for tests of the queue alone. `kill` can only abort
 * the signal: a handler that ignores it keeps running.
 */
export function inlineWorkerFactory(kinds: readonly AnyJobKind[]): WorkerFactory {
  return (hooks) => {
    let alive = true;
    const runtime = createWorkerRuntime(kindTable(kinds), (msg) => {
      // messages are cloned as they would be between processes
      if (!alive) return;
      const copy = structuredClone(msg);
      queueMicrotask(() => alive && hooks.message(copy));
    });
    queueMicrotask(() => runtime.ready());
    return {
      pid: undefined,
      send(msg) {
        if (!alive) return;
        const copy = structuredClone(msg);
        queueMicrotask(() => runtime.handle(copy));
      },
      kill() {
        if (!alive) return;
        runtime.abortAll();
        alive = false;
        queueMicrotask(() => hooks.exit('the inline job worker was stopped'));
      },
    };
  };
}
