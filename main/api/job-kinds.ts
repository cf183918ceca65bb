import type { AnyJobKind } from '../jobs/kind';
import { generateJob } from '../jobs/kinds/generate-job';
import { measurePairJob } from '../jobs/kinds/measure-pair-job';
import { probeProvidersJob } from '../jobs/kinds/probe-providers-job';
import { sweepJob } from '../jobs/kinds/sweep-job';
import { samEmbedJob } from '../jobs/kinds/sam-embed-job';
import { dressJob } from '../jobs/kinds/dress-job';
import { exportJob } from '../export/export-job-kind';

/**
 * Every job kind the studio runs, one line each (like the CLI's command list). Kinds are
 * defined with `defineJobKind` in main/jobs/kinds/ or in a room above jobs (export) and listed
 * here, at the composition root: the main process checks params with this list and the job
 * worker (job-worker-entry.ts) runs handlers from it.
 */
export const jobKinds: readonly AnyJobKind[] = [probeProvidersJob as AnyJobKind, exportJob as AnyJobKind, generateJob as AnyJobKind, sweepJob as AnyJobKind, dressJob as AnyJobKind];

/**
 * Kinds the job worker also runs but the jobs API does not offer: the backend submits them
 * itself on queues of their own (their params name files, which no UI should choose).
 */
export const internalJobKinds: readonly AnyJobKind[] = [measurePairJob as AnyJobKind, samEmbedJob as AnyJobKind];
