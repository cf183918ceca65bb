import type { GenerateJobResult } from '../../../preload/api/generation-types';
import { defineJobKind } from '../kind';
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
    const [{ openLibrary }, { makeLibraryShot }, { previewDataUrl }] = await Promise.all([import('../../catalog/index'), import('../../shots/index'), import('../../inference/pipelines/preview-png')]);
    const k = usedSteps(p.steps, p.strength);
    // K inversion steps, then K generation steps (a cached inversion skips the first K)
    const total = 2 * k;
    ctx.progress({ step: 0, total, message: 'loading the model' });
    const lib = openLibrary(p.library);
    try {
      const res = await makeLibraryShot(
        lib,
        { renderId: p.renderId, settings: settingsOfJob(p), tag: tagOfJob(p) },
        {
          signal: ctx.signal,
          onProgress: (label) => ctx.progress({ step: 0, total, message: label }),
          onStep: (e) => {
            const step = e.stage === 'inversion' ? e.step : k + e.step;
            ctx.progress({ step, total, message: `${e.stage} ${e.step}/${e.total}`, ...(e.preview ? { preview: previewDataUrl(e.preview) } : {}) });
          },
        },
      );
      ctx.progress({ step: total, total, message: doneMessage(res) });
      return { generationId: res.generationId, output: res.output, outputPath: res.outputPath };
    } finally {
      lib.close();
    }
  },
});
