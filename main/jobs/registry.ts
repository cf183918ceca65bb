import type { AnyJobKind } from './kind';
import { r2rJobKinds } from '../inference/pipelines/job-kinds';
import { probeProvidersJob } from './probe-providers-job';

/**
 * Every job kind the studio runs, one line each (like the CLI's command list). Rooms define
 * their kinds next to their code with `defineJobKind` and add them here; the main process
 * checks params with this list and the job worker runs handlers from it.
 */
export const jobKinds: readonly AnyJobKind[] = [probeProvidersJob as AnyJobKind, ...r2rJobKinds];
