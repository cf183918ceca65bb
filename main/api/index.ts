import type { R2RApi } from '../../preload/api/contract';
import type { AnyJobKind } from '../jobs/kind';
import type { WorkerFactory } from '../jobs/protocol';
import { JobQueue } from '../jobs/queue';
import { createJobsService } from '../jobs/service';
import { UserError } from '../common/errors';
import type { PairMetrics } from '../metrics/measure-pair';
import { measurePairJob } from '../jobs/kinds/measure-pair-job';
import { samEmbedJob, type SamEmbedResult } from '../jobs/kinds/sam-embed-job';
import { builtinPresetRecords } from '../export/preset-records';
import { appInfo } from './app-info';
import { jobKinds } from './job-kinds';
import { forkJobWorker } from './job-worker';
import { EventHub } from './events';
import { createCombosService } from './combos-service';
import { createGenerationsService } from './generations-service';
import { createLibraryService, LibraryHolder } from './library-service';
import { createMasksService } from './masks-service';
import { createModelsService } from './models-service';
import { createMetricsService, type MeasurePair } from './metrics-service';
import { createSegmentService, type EmbedImage } from './segment-service';
import { keepQueueInLibrary } from './queue-store';
import { createRemoteService } from './remote-service';
import { createEstimatesService } from './estimates-service';
import { createRegionsService } from './regions-service';

export interface Backend {
  api: R2RApi;
  events: EventHub;
  jobs: JobQueue;
  /** the open library (the file server reads assets and thumbnails from it) */
  library: LibraryHolder;
  close(): Promise<void>;
}

export interface BackendOptions {
  /** where jobs run: a forked Node process by default; the desktop app passes its utility process */
  jobWorker?: WorkerFactory;
  /** the job kinds; the studio's (job-kinds.ts) by default */
  jobKinds?: readonly AnyJobKind[];
  cancelGraceMs?: number;
  /**
   * where the compare view's metrics are measured (a second worker of the same kind as
   * `jobWorker` by default); it must run the internal `measure-pair` kind
   */
  metricsWorker?: WorkerFactory;
  /** where Select object's images are embedded (a worker like `metricsWorker` by default); it must run the internal `sam-embed` kind */
  segmentWorker?: WorkerFactory;
  /** a library folder to open at start (`r2r serve --library`) */
  library?: string;
}

/** the in-process implementation of the whole API contract */
export function createBackend(opts: BackendOptions = {}): Backend {
  const events = new EventHub();
  // open the library first: a wrong folder fails before any worker starts
  const library = new LibraryHolder();
  if (opts.library) library.open(opts.library);
  const jobs = new JobQueue({
    kinds: opts.jobKinds ?? jobKinds,
    worker: opts.jobWorker ?? forkJobWorker(),
    emit: (e) => events.emit(e),
    ...(opts.cancelGraceMs !== undefined ? { cancelGraceMs: opts.cancelGraceMs } : {}),
  });
  keepQueueInLibrary(jobs, library);
  // metrics get a worker of their own: a running generation never keeps the compare view waiting
  const metricsLane = new JobQueue({ kinds: [measurePairJob as AnyJobKind], worker: opts.metricsWorker ?? opts.jobWorker ?? forkJobWorker() });
  const measure: MeasurePair = async (files) => {
    const job = await metricsLane.whenSettled(metricsLane.submit(measurePairJob.name, files).id);
    if (job.state === 'done') return job.result as PairMetrics;
    throw new UserError(job.error?.code ?? 'metrics-failed', job.error?.message ?? `measuring the pair ended ${job.state}`, job.error?.hint);
  };
  // Select object's embeddings take seconds of encoder time: a lane of their own, like the metrics
  const segmentLane = new JobQueue({ kinds: [samEmbedJob as AnyJobKind], worker: opts.segmentWorker ?? opts.metricsWorker ?? opts.jobWorker ?? forkJobWorker() });
  const embed: EmbedImage = async (params) => {
    const job = await segmentLane.whenSettled(segmentLane.submit(samEmbedJob.name, params).id);
    if (job.state === 'done') return job.result as SamEmbedResult;
    throw new UserError(job.error?.code ?? 'sam-embed-failed', job.error?.message ?? `embedding the image ended ${job.state}`, job.error?.hint);
  };
  const segment = createSegmentService(library, embed);
  const api: R2RApi = {
    app: { info: () => appInfo() },
    jobs: createJobsService(jobs),
    library: createLibraryService(library),
    masks: createMasksService(library),
    combos: createCombosService(library),
    generations: createGenerationsService(library),
    models: createModelsService(library),
    studio: { capabilities: async () => ({ jobKinds: jobs.kindNames() }) },
    exports: { presets: async () => builtinPresetRecords() },
    metrics: createMetricsService(library, measure),
    segment: segment.service,
    remote: createRemoteService(),
    estimates: createEstimatesService(library),
    regions: createRegionsService(library),
  };
  const close = async () => {
    await Promise.all([jobs.close(), metricsLane.close(), segmentLane.close(), segment.close()]);
    library.close();
  };
  return { api, events, jobs, library, close };
}
