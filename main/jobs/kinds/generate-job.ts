import type { GenerateJobResult } from '../../../preload/api/generation-types';
import { defineJobKind } from '../kind';
import { costRequestOfJob, ShotWork, WorkMeter } from '../work-progress';
import { generateParamsSchema, settingsOfJob, tagOfJob, usedSteps } from './generate-params';

function doneMessage(r: { inversionCached: boolean; generationStepsReused: number }): string {
  const reused = [r.inversionCached ? 'inversion' : '', r.generationStepsReused > 0 ? `${r.generationStepsReused} generation steps` : ''].filter(Boolean);
  return reused.length > 0 ? `done (${reused.join(' and ')} from the cache)` : 'done';
}

/**
 * The studio's Generate button (and the Combos view's "Generate outfit", with comboId): one
 * shot of a catalog render through the shot service. The library is opened here by its
 * folder: the job worker is another process than the one holding the studio's library.
 */
export const generateJob = defineJobKind({
  name: 'generate',
  summary: 'turn a catalog render into a realistic shot (FashionR2R)',
  params: generateParamsSchema,
  async run(p, ctx): Promise<GenerateJobResult> {
    // the engine (onnxruntime) loads in the job worker only
    const [{ openLibrary }, { makeLibraryShot, modelFor }, { previewDataUrl }, { estimateLibraryCost }] = await Promise.all([
      import('../../catalog/index'),
      import('../../shots/index'),
      import('../../inference/pipelines/preview-png'),
      import('../../shots/shot-estimate'),
    ]);
    const k = usedSteps(p.steps, p.strength);
    // K inversion steps, then K generation steps (a cached inversion skips the first K)
    const total = 2 * k;
    ctx.progress({ step: 0, total, message: 'loading the model' });
    const lib = openLibrary(p.library);
    try {
      const settings = settingsOfJob(p);
      // progress in work (estimated seconds per part); a request the estimate cannot size fails in the shot, with its own message
      const work = (() => {
        try {
          return new ShotWork(estimateLibraryCost(lib, costRequestOfJob(p), 'cpu').shot);
        } catch {
          return undefined;
        }
      })();
      // the model first, so the ETA's clock times the shot, not the loading
      await modelFor(settings, ctx.signal, (label) => ctx.progress({ step: 0, total, message: label }));
      const meter = work ? new WorkMeter(work.total) : undefined;
      const res = await makeLibraryShot(
        lib,
        { renderId: p.renderId, settings, tag: tagOfJob(p) },
        {
          signal: ctx.signal,
          onProgress: (label) => ctx.progress({ step: 0, total, message: label }),
          onStep: (e) => {
            const step = e.stage === 'inversion' ? e.step : k + e.step;
            const done = work?.doneAfter(e);
            if (work && meter) meter.setTotal(work.total);
            ctx.progress({ step, total, message: `${e.stage} ${e.step}/${e.total}`, ...(meter && done !== undefined ? meter.progress(done) : {}), ...(e.preview ? { preview: previewDataUrl(e.preview) } : {}) });
          },
        },
      );
      ctx.progress({ step: total, total, message: doneMessage(res), ...(meter && work ? meter.progress(work.total) : {}) });
      return { generationId: res.generationId, output: res.output, outputPath: res.outputPath };
    } finally {
      lib.close();
    }
  },
});
