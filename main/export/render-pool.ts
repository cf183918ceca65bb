import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { ImageFormat, Preset } from './presets';
import { renderShot, type ShotMetadata } from './render-shot';

/** one shot to make: the worker reads and hashes the source itself */
export interface RenderTask {
  sourcePath: string;
  preset: Preset;
  format: ImageFormat;
  meta: Omit<ShotMetadata, 'sourceSha256'>;
}

export interface RenderResult {
  data: Buffer;
  width: number;
  height: number;
  fill: number;
  sourceSha256: string;
}

export interface RenderPool {
  render(task: RenderTask): Promise<RenderResult>;
  close(): Promise<void>;
}

/** reads, hashes and renders one source: the work of one item, wherever it runs */
export async function renderTask(task: RenderTask): Promise<RenderResult> {
  const source = await readFile(task.sourcePath);
  const sourceSha256 = createHash('sha256').update(source).digest('hex');
  const shot = await renderShot(source, task.preset, task.format, { ...task.meta, sourceSha256 });
  return { data: shot.data, width: shot.width, height: shot.height, fill: shot.placement.fill, sourceSha256 };
}

/** renders on the calling thread; sharp still works on its own threads */
export function inlineRenderPool(): RenderPool {
  return { render: renderTask, close: async () => {} };
}

type Reply = { ok: true; result: Omit<RenderResult, 'data'> & { data: Uint8Array } } | { ok: false; error: string };

function startWorker(): Worker {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    // running from TypeScript sources (tsx, vitest): the worker loads tsx's hooks first;
    // eval'd workers are CommonJS, hence the dynamic imports
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(self)}); });`;
    return new Worker(boot, { eval: true });
  }
  return new Worker(new URL(self));
}

/**
 * Renders in `size` worker threads. Each item's JavaScript (backdrop search and painting)
 * then runs in parallel too, not only sharp's native work; measured faster than async calls
 * from one thread on two cores (tests/bench/export.bench.ts). A worker that dies fails its
 * item and is replaced.
 */
export function workerRenderPool(size: number): RenderPool {
  interface Slot {
    worker: Worker;
    busy?: { resolve: (r: RenderResult) => void; reject: (e: Error) => void };
  }
  const all = new Set<Slot>();
  const idle: Slot[] = [];
  const waiting: ((s: Slot) => void)[] = [];
  let closed = false;

  const release = (slot: Slot) => {
    slot.busy = undefined;
    const next = waiting.shift();
    if (next) next(slot);
    else idle.push(slot);
  };
  const spawn = (): Slot => {
    const slot: Slot = { worker: startWorker() };
    all.add(slot);
    slot.worker.on('message', (reply: Reply) => {
      const busy = slot.busy;
      if (!busy) return;
      if (reply.ok) busy.resolve({ ...reply.result, data: Buffer.from(reply.result.data.buffer, reply.result.data.byteOffset, reply.result.data.byteLength) });
      else busy.reject(new Error(reply.error));
      release(slot);
    });
    const die = (err: Error) => {
      slot.busy?.reject(err);
      slot.busy = undefined;
      all.delete(slot);
      const at = idle.indexOf(slot);
      if (at >= 0) idle.splice(at, 1);
      if (!closed) release(spawn());
    };
    slot.worker.on('error', die);
    slot.worker.on('exit', (code) => {
      if (!closed) die(new Error(`render worker exited with code ${code}`));
    });
    return slot;
  };
  for (let i = 0; i < Math.max(1, size); i++) idle.push(spawn());

  return {
    async render(task) {
      if (closed) throw new Error('render pool is closed');
      const slot = idle.pop() ?? (await new Promise<Slot>((r) => waiting.push(r)));
      return new Promise<RenderResult>((resolve, reject) => {
        slot.busy = { resolve, reject };
        slot.worker.postMessage(task);
      });
    },
    async close() {
      closed = true;
      await Promise.all([...all].map((s) => s.worker.terminate()));
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', async (task: RenderTask) => {
    try {
      const r = await renderTask(task);
      const data = new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
      port.postMessage({ ok: true, result: { ...r, data } } satisfies Reply);
    } catch (err) {
      port.postMessage({ ok: false, error: (err as Error).message } satisfies Reply);
    }
  });
}
