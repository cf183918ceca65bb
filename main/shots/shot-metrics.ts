import type { FileShotResult } from './file-shot';

/** the numbers a generation row records about the shot that made it */
export function shotMetrics(res: FileShotResult): Record<string, unknown> {
  return {
    provider: res.provider,
    totalMs: Math.round(res.totalMs),
    modelMs: Math.round(res.modelMs),
    inversionCached: res.inversionCached,
    generationStepsReused: res.generationStepsReused,
    k: res.k,
    tacSteps: res.tacSteps,
    unetCalls: res.unetCalls.length,
    sampleEvaluations: res.sampleEvaluations,
    canvas: { width: res.plan.width, height: res.plan.height },
    // with regions: each layer's K, TAC steps and sample-evaluations, the rest first (the studio's per-region report)
    ...(res.regions ? { regions: res.regions } : {}),
  };
}
