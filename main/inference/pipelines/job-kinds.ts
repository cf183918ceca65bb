import type { AnyJobKind } from '../../jobs/kind';
import { generateJob } from './generate-job';
import { sweepJob } from './sweep-job';

/** the engine's job kinds, as main/jobs/registry.ts lists them */
export const r2rJobKinds: readonly AnyJobKind[] = [generateJob as AnyJobKind, sweepJob as AnyJobKind];
