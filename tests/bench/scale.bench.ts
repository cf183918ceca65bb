// the same 40-shot export on the tiny demo model four ways, in one run: the in-process queue
// (`r2r export --generate`), and behind `r2r export --queue` on a real redis-server one
// `r2r worker --threads 1`, two of them (separate processes) and one `--threads 2`: shots per
// second as ratios, and the queue's own cost per shot (enqueue to a free worker starting it, the
// worker's result to the row written). Each worker gets its share of the cores: two workers
// whose sessions each take every core contend for them, which measures the machine, not the queue.
// run: npm run bench scale
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeSampleLibrary } from '../../main/catalog/sample/sample-library';
import { projectRoot } from '../../main/common/version';
import { writeDemoModel } from '../../main/inference/models/demo/demo-model';
import { freePort, RedisServer, WorkerProcess } from '../unit/remote/redis-fixture';

const GARMENTS = 8; // x 5 views = 40 shots
const SHOTS = GARMENTS * 5;
// the queued cases run in turn this many times and each keeps its fastest run: a shared machine's
// other load comes and goes, and a case measured only while it peaks would look slower than it is
const ROUNDS = 2;
// R2R_SCALE_SIZE=128 R2R_SCALE_STEPS=20: longer shots, so the coordinator's own work (recording
// and exporting each shot, on the same cores here) weighs less against the workers'
const GEN_SIZE = Number(process.env.R2R_SCALE_SIZE ?? 64);
const STEPS = Number(process.env.R2R_SCALE_STEPS ?? 10);

type Line = Record<string, unknown>;

function runExport(args: string[], onLine?: (line: Line) => void): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [join(projectRoot(), 'bin/r2r.js'), 'export', ...args, '--json'], { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Line[] = [];
    let buffered = '';
    let err = '';
    // each line stamped when it arrives: the generation phase is timed from its own lines
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!text.startsWith('{')) continue;
        const line = { ...(JSON.parse(text) as Line), at: performance.now() };
        lines.push(line);
        onLine?.(line);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(lines) : reject(new Error(`export exited ${code}: ${err}`))));
  });
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux; 100 ticks a second) */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
}

export async function run(): Promise<Record<string, unknown>> {
  const loadAtStart = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'r2r-bench-scale-'));
  const model = join(dir, 'tiny-demo');
  const cache = join(dir, 'cache');
  writeDemoModel(model, { seed: 5 });
  const redis = new RedisServer(await freePort());
  await redis.start();
  const workers: WorkerProcess[] = [];
  try {
    // a library of different renders per run: no run reuses another's inversions
    const libs = await Promise.all(Array.from({ length: 1 + 3 * ROUNDS }, (_, i) => i + 1).map(async (seed) => {
      const lib = join(dir, `lib-${seed}`);
      await writeSampleLibrary(lib, { garments: GARMENTS, colorways: 1, width: 64, height: 80, seed });
      return lib;
    }));
    const args = (lib: string, queue?: string) => ['--library', lib, '--out', join(lib, 'out'), '--size', '1000', '--generate', 'missing', '--model', model, '--gen-size', String(GEN_SIZE), '--steps', String(STEPS), '--cache-dir', cache, ...(queue ? ['--queue', queue] : [])];
    // adapts the model into the cache once, so no timed run pays for it
    const warm = join(dir, 'warm');
    await writeSampleLibrary(warm, { garments: 1, colorways: 1, width: 64, height: 80, seed: 9 });
    await runExport(args(warm));

    /** the generation phase: the plan line (the model is loaded, or the shots are about to be queued) to the last shot recorded */
    const timed = async (lib: string, queue?: string, onLine?: (line: Line) => void) => {
      const lines = await runExport(args(lib, queue), onLine);
      const plan = lines.find((l) => l.event === 'generate-plan')!;
      const generated = lines.filter((l) => l.event === 'generated');
      if (generated.length !== SHOTS || generated.some((l) => l.status !== 'done')) throw new Error(`expected ${SHOTS} generated shots, got ${generated.length}`);
      return { lines: generated, seconds: ((generated.at(-1)!.at as number) - (plan.at as number)) / 1000 };
    };
    const inProcess = await timed(libs[0]!);

    const startWorkers = async (n: number, threads: number) => {
      while (workers.length < n) workers.push(new WorkerProcess(['--redis', redis.url, '--model', model, '--cache-dir', cache, '--threads', String(threads)]));
      await Promise.all(workers.map((w) => w.waitFor((l) => l.event === 'ready', 120_000)));
    };
    const stopWorkers = () => Promise.all(workers.splice(0).map((w) => w.kill('SIGTERM')));
    type Timed = Awaited<ReturnType<typeof timed>>;
    type Queued = Timed & { workersCpuShare: number };
    const fastest = (a: Queued | undefined, b: Queued) => (a && a.seconds <= b.seconds ? a : b);
    /** a queued run, with the share of the machine's cores its workers used over its generation phase */
    const timedOnQueue = async (lib: string): Promise<Queued> => {
      const cpu = () => workers.reduce((n, w) => n + cpuSeconds(w.proc.pid!), 0);
      let atPlan = 0;
      let atLast = 0;
      const r = await timed(lib, redis.url, (l) => {
        if (l.event === 'generate-plan') atPlan = cpu();
        else if (l.event === 'generated') atLast = cpu();
      });
      return { ...r, workersCpuShare: Number(((atLast - atPlan) / (r.seconds * availableParallelism())).toFixed(2)) };
    };
    let one: Queued | undefined;
    let two: Queued | undefined;
    let oneTwoThreads: Queued | undefined;
    const queuedLibs = libs.slice(1);
    for (let round = 0; round < ROUNDS; round++) {
      await startWorkers(1, 1);
      one = fastest(one, await timedOnQueue(queuedLibs.shift()!));
      await startWorkers(2, 1);
      two = fastest(two, await timedOnQueue(queuedLibs.shift()!));
      await stopWorkers();
      await startWorkers(1, 2);
      oneTwoThreads = fastest(oneTwoThreads, await timedOnQueue(queuedLibs.shift()!));
      await stopWorkers();
    }
    if (!one || !two || !oneTwoThreads) throw new Error('no queued run was timed');

    // queue overhead per shot: from the later of its enqueue and its worker's previous shot ending, to its start
    const overheads = (lines: Line[]) => {
      const byWorker = new Map<string, Line[]>();
      for (const l of lines) byWorker.set(l.worker as string, [...(byWorker.get(l.worker as string) ?? []), l]);
      return [...byWorker.values()].flatMap((ls) => {
        const sorted = ls.sort((a, b) => (a.startedAt as number) - (b.startedAt as number));
        return sorted.map((l, i) => {
          const enqueued = (l.startedAt as number) - (l.queueMs as number);
          const free = i === 0 ? enqueued : Math.max(enqueued, sorted[i - 1]!.finishedAt as number);
          return (l.startedAt as number) - free;
        });
      });
    };
    const queued = [...one.lines, ...two.lines, ...oneTwoThreads.lines];
    const rate = (r: { seconds: number }) => SHOTS / r.seconds;
    return {
      shots: SHOTS,
      canvas: `${GEN_SIZE} px, ${STEPS} steps, tiny demo model`,
      cores: availableParallelism(),
      loadAverage: { atStart: Number(loadAtStart.toFixed(2)), atEnd: Number(loadavg()[0]!.toFixed(2)) },
      rounds: ROUNDS,
      note: 'each queued case: its fastest of the rounds; rates over the generation phase: the plan line to the last shot recorded (in-process: the model loads after the plan line, from the warm cache)',
      shotsPerSecond: {
        inProcess: Number(rate(inProcess).toFixed(2)),
        oneWorker1Thread: Number(rate(one).toFixed(2)),
        twoWorkers1ThreadEach: Number(rate(two).toFixed(2)),
        oneWorker2Threads: Number(rate(oneTwoThreads).toFixed(2)),
      },
      ratios: {
        oneWorker1ThreadOverInProcess: Number((rate(one) / rate(inProcess)).toFixed(2)),
        twoWorkersOverOne1Thread: Number((rate(two) / rate(one)).toFixed(2)),
        twoWorkersOverOne2Threads: Number((rate(two) / rate(oneTwoThreads)).toFixed(2)),
      },
      // over the generation phase; the rest of the cores went to the coordinator (recording and exporting each shot), Redis and the machine's other load
      workersCpuShareOfMachine: { oneWorker1Thread: one.workersCpuShare, twoWorkers1ThreadEach: two.workersCpuShare, oneWorker2Threads: oneTwoThreads.workersCpuShare },
      queueOverheadMs: { enqueueToStartMedian: median(overheads(queued)), resultToWrittenMedian: median(queued.map((l) => l.writeMs as number)) },
      shotsByWorker: Object.fromEntries([...new Set(two.lines.map((l) => l.worker as string))].map((w) => [w, two.lines.filter((l) => l.worker === w).length])),
    };
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) console.log(JSON.stringify(await run(), null, 2));
