import type { AnyJobKind } from './kind';
import { r2rJobKinds } from '../inference/pipelines/job-kinds';
import { probeProvidersJob } from './probe-providers-job';
import { exportJob } from '../export/export-job-kind';
import { measurePairJob } from '../metrics/measure-pair-job';

/**
 * Every job kind the studio runs, one line each (like the CLI's command list). Rooms define
 * their kinds next to their code with `defineJobKind` and add them here; the main process
 * checks params with this list and the job worker runs handlers from it.
 */
export const jobKinds: readonly AnyJobKind[] = [probeProvidersJob as AnyJobKind, exportJob as AnyJobKind, ...r2rJobKinds];

/**
 * Kinds the job worker also runs but the jobs API does not offer: the backend submits them
 * itself on queues of their own (their params name files, which no UI should choose).
 */
export const internalJobKinds: readonly AnyJobKind[] = [measurePairJob as AnyJobKind];
