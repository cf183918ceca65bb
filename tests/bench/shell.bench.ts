// the job machinery's costs and its point: the main process stays responsive while a job
// computes in the worker. run: npm run bench shell
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { forkJobWorker } from '../../main/api/job-worker';
import { inlineWorkerFactory } from '../../main/jobs/inline-worker';
import type { WorkerFactory } from '../../main/jobs/protocol';
import { JobQueue } from '../../main/jobs/queue';
import { jobKinds as testKinds } from '../unit/jobs/fixtures/test-kinds';

const kindModule = fileURLToPath(new URL('../unit/jobs/fixtures/test-kinds.ts', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeJob(queue: JobQueue, kind: string, params: unknown): Promise<number> {
  const t0 = performance.now();
  await queue.whenSettled(queue.submit(kind, params).id);
  return performance.now() - t0;
}

/** the longest the main event loop stalled while a CPU-bound job ran */
async function worstStall(worker: WorkerFactory, jobMs: number): Promise<number> {
  const queue = new JobQueue({ kinds: testKinds, worker });
  await timeJob(queue, 'pid', {});
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  await timeJob(queue, 'spin', { ms: jobMs, sliceMs: 200 });
  h.disable();
  await queue.close();
  return h.max / 1e6;
}

export async function run(): Promise<Record<string, unknown>> {
  const forked = () => forkJobWorker({ kindModules: [kindModule] });

  const coldStarts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const q = new JobQueue({ kinds: testKinds, worker: forked() });
    coldStarts.push(await timeJob(q, 'pid', {}));
    await q.close();
  }

  const warm = new JobQueue({ kinds: testKinds, worker: forked() });
  await timeJob(warm, 'pid', {});
  const forkedTrips: number[] = [];
  for (let i = 0; i < 30; i++) forkedTrips.push(await timeJob(warm, 'pid', {}));
  const cancels: number[] = [];
  for (let i = 0; i < 5; i++) {
    const job = warm.submit('spin', { ms: 10_000, sliceMs: 20 });
    while (!warm.get(job.id).progress) await new Promise((r) => setTimeout(r, 2));
    const t0 = performance.now();
    await warm.cancel(job.id);
    cancels.push(performance.now() - t0);
  }
  await warm.close();

  const inline = new JobQueue({ kinds: testKinds, worker: inlineWorkerFactory(testKinds) });
  const inlineTrips: number[] = [];
  for (let i = 0; i < 30; i++) inlineTrips.push(await timeJob(inline, 'pid', {}));
  await inline.close();

  const stallForked = await worstStall(forked(), 1000);
  const stallInline = await worstStall(inlineWorkerFactory(testKinds), 1000);

  return {
    worker_cold_start_to_first_result_ms: Math.round(median(coldStarts)),
    job_round_trip_forked_median_ms: +median(forkedTrips).toFixed(2),
    job_round_trip_inline_median_ms: +median(inlineTrips).toFixed(2),
    cooperative_cancel_median_ms: +median(cancels).toFixed(1),
    main_loop_worst_stall_while_1s_job_forked_ms: Math.round(stallForked),
    main_loop_worst_stall_while_1s_job_inline_ms: Math.round(stallInline),
    stall_ratio_inline_over_forked: +(stallInline / Math.max(stallForked, 1)).toFixed(1),
  };
}
