import { z } from 'zod';
import { measurePair, type PairMetrics } from '../../metrics/measure-pair';
import { defineJobKind } from '../kind';

/**
 * measurePair in the job worker: SSIM and texture of a 768x1024 pair take about two seconds
 * of CPU, which must not stall the process that answers the UI. The studio runs it on its own
 * queue (not the user's job list), so a long generation never delays the compare view's numbers.
 */
export const measurePairJob = defineJobKind({
  name: 'measure-pair',
  summary: 'quality metrics of an image against its source, inside an optional mask',
  params: z.object({ source: z.string().min(1), output: z.string().min(1), mask: z.string().min(1).optional() }).strict(),
  async run(params): Promise<PairMetrics> {
    return measurePair(params);
  },
});
