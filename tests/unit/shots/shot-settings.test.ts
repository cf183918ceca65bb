import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsOfExport } from '../../../main/export/generate-shots';
import { settingsOfJob } from '../../../main/jobs/kinds/generate-params';
import { engineParams, recordedParams, shotSettings } from '../../../main/shots/shot-settings';

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
  negative: { kind: 'embedding' as const, path: '/emb/render-domain.safetensors' },
  maxSide: 512,
  provider: 'cpu',
};

describe('shot settings', () => {
  it('fill what a caller leaves out with the method defaults (50 steps, strength 0.3, TAC 0.9 on 2 levels, guidance 7.5, seed 1)', () => {
    expect(shotSettings({ model: '/m' })).toEqual({ model: '/m', steps: 50, strength: 0.3, tacRatio: 0.9, tacLevels: 2, guidance: 7.5, seed: 1, prompt: '', negative: { kind: 'prompt', text: '' } });
    expect(shotSettings({ model: '/m', steps: undefined, seed: 4 }).steps).toBe(50);
  });

  it("ask the engine for the longer side along the render's aspect, or for the exact canvas", () => {
    const s = settingsOfJob(job);
    expect(engineParams(s, { width: 600, height: 800 })).toEqual({ steps: 50, strength: 0.3, tacRatio: 0.9, inversion: 'official', guidance: 7.5, seed: 1, prompt: '', negative: '', height: 512 });
    expect(engineParams(settingsOfJob({ ...job, inversion: 'ddim' }), { width: 600, height: 800 }).inversion).toBe('ddim');
    expect(engineParams(s, { width: 800, height: 600 })).toMatchObject({ width: 512 });
    expect(engineParams({ ...s, width: 256, height: 320 }, { width: 800, height: 600 })).toMatchObject({ width: 256, height: 320 });
    expect(engineParams({ ...s, negative: { kind: 'prompt', text: 'cgi, render' } }, { width: 1, height: 1 }).negative).toBe('cgi, render');
  });

  it('record the settings as asked, never the provider or the cache, with the caller tag on top', () => {
    const s = { ...settingsOfJob(job), cacheDir: '/cache' };
    expect(recordedParams(s, 3, { comboId: 9 })).toEqual({
      mode: 'r2r',
      steps: 50,
      strength: 0.3,
      tacRatio: 0.9,
      tacLevels: 2,
      inversion: 'official',
      guidance: 7.5,
      seed: 1,
      prompt: '',
      negative: { kind: 'embedding', path: '/emb/render-domain.safetensors' },
      maxSide: 512,
      modelDir: '/models/sd',
      renderId: 3,
      comboId: 9,
    });
  });

  it("record an export's settings exactly as the studio's job with the same values", () => {
    const fromExport = settingsOfExport({ modelDir: 'models/sd', maxSide: 512, steps: 50, negativeEmbedding: '/emb/render-domain.safetensors', provider: 'cuda', cacheDir: '/c' });
    const fromStudio = settingsOfJob({ ...job, model: resolve('models/sd') });
    expect(recordedParams(fromExport, 3)).toEqual(recordedParams(fromStudio, 3));
  });
});
