import { describe, expect, it } from 'vitest';
import type { Generation } from '../../../main/catalog/types';
import { generationParameters } from '../../../main/export/catalog-candidates';
import { formatA1111Parameters } from '../../../main/export/metadata/a1111-parameters';
import { generateParamsSchema, settingsOfJob } from '../../../main/jobs/kinds/generate-params';
import { engineParams, recordedParams } from '../../../main/shots/shot-settings';

const job = {
  library: '/lib',
  renderId: 3,
  model: '/models/sd',
  steps: 50,
  strength: 0.3,
  tacRatio: 0.9,
  tacLevels: 2,
  guidance: 7.5,
  seed: 1,
  prompt: '',
  negative: { kind: 'prompt' as const, text: '' },
};

function generation(params: Record<string, unknown>): Generation {
  return { id: 7, renderId: 3, comboId: null, model: '/models/sd', params, seed: 1, status: 'done', output: 'h', outputPath: 'g.png', createdAt: '', error: null, metrics: null, startedAt: null, finishedAt: null, updatedAt: '' };
}

describe('the inversion order from the Generate button to the exported file', () => {
  it('is an optional job param: official or ddim, anything else refused', () => {
    expect(generateParamsSchema.parse(job).inversion).toBeUndefined();
    expect(generateParamsSchema.parse({ ...job, inversion: 'ddim' }).inversion).toBe('ddim');
    expect(generateParamsSchema.safeParse({ ...job, inversion: 'upward' }).success).toBe(false);
  });

  it('reaches the engine and the generation record, official when the job leaves it out', () => {
    const render = { width: 64, height: 64 };
    expect(engineParams(settingsOfJob(generateParamsSchema.parse(job)), render).inversion).toBe('official');
    const ddim = settingsOfJob(generateParamsSchema.parse({ ...job, inversion: 'ddim' }));
    expect(engineParams(ddim, render).inversion).toBe('ddim');
    expect(recordedParams(ddim, 3).inversion).toBe('ddim');
  });

  it('is written into the PNG parameters; records from before it was recorded were ddim', () => {
    const size = { width: 64, height: 64 };
    expect(generationParameters(generation({ inversion: 'official' }), size).inversion).toBe('official');
    expect(generationParameters(generation({}), size).inversion).toBe('ddim');
    expect(formatA1111Parameters(generationParameters(generation({ inversion: 'official', strength: 0.3 }), size))).toContain('Denoising strength: 0.3, Inversion: official');
  });
});
