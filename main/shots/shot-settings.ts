import { resolve } from 'node:path';
import type { GenerateJobParams } from '../../preload/api/generation-types';
import { GENERATION_DEFAULTS } from '../inference/generation-defaults';
import type { R2RParams } from '../inference/pipelines/r2r';

export type NegativeSetting = GenerateJobParams['negative'];

/**
 * How a shot is made, whoever asks for it (the studio's Generate and Sweep, outfits,
 * `r2r export --generate`): the same settings give the same engine call and the same record.
 * The fields the studio's job params carry mean the same here (preload/api/generation-types.ts).
 */
export interface ShotSettings
  extends Pick<GenerateJobParams, 'model' | 'steps' | 'strength' | 'tacRatio' | 'tacLevels' | 'inversion' | 'guidance' | 'seed' | 'prompt' | 'negative' | 'maxSide'> {
  /** an exact model canvas (`r2r export --gen-size WxH`); wins over maxSide */
  width?: number;
  height?: number;
  /** execution provider or 'auto'; not recorded (it names this machine, not the shot) */
  provider?: string;
  /** adapted models, inversions and trajectories; default the engine's cache folder */
  cacheDir?: string;
  /** onnxruntime's threads per session (intra-op); default onnxruntime's (one per core); not recorded */
  threads?: number;
  /** a region preset of the library (by name): its roles' settings on the render's label mask */
  regionPreset?: string;
}

/** settings a caller leaves out take the method's defaults (the studio's panel starts from the same) */
export function shotSettings(given: Partial<ShotSettings> & Pick<ShotSettings, 'model'>): ShotSettings {
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<ShotSettings>;
  return {
    steps: GENERATION_DEFAULTS.steps,
    strength: GENERATION_DEFAULTS.strength,
    tacRatio: GENERATION_DEFAULTS.tacRatio,
    tacLevels: GENERATION_DEFAULTS.tacLevels,
    guidance: GENERATION_DEFAULTS.guidance,
    seed: 1,
    prompt: '',
    negative: { kind: 'prompt', text: '' },
    ...defined,
    model: given.model,
  };
}

/** the model canvas for a longest side: the other side follows the render's aspect */
export function canvasFor(width: number, height: number, maxSide: number | undefined): { width?: number; height?: number } {
  if (maxSide === undefined) return {};
  return height >= width ? { height: maxSide } : { width: maxSide };
}

function canvasOf(s: ShotSettings, render: { width: number; height: number }): { width?: number; height?: number } {
  if (s.width !== undefined || s.height !== undefined) return { ...(s.width !== undefined ? { width: s.width } : {}), ...(s.height !== undefined ? { height: s.height } : {}) };
  return canvasFor(render.width, render.height, s.maxSide);
}

/** what the engine is asked for; a negative embedding's token replaces `negative` once the model is loaded */
export function engineParams(s: ShotSettings, render: { width: number; height: number }): Partial<R2RParams> {
  return {
    steps: s.steps,
    strength: s.strength,
    tacRatio: s.tacRatio,
    inversion: s.inversion ?? GENERATION_DEFAULTS.inversion,
    guidance: s.guidance,
    seed: s.seed,
    prompt: s.prompt,
    negative: s.negative.kind === 'prompt' ? s.negative.text : '',
    ...canvasOf(s, render),
  };
}

/** the negative embedding file the model loads with, if any */
export function negativeEmbeddingOf(s: ShotSettings): string | undefined {
  return s.negative.kind === 'embedding' && s.negative.path ? s.negative.path : undefined;
}

/**
 * The params a generation row records: the settings as asked (not the machine's provider or
 * cache), the render, and the caller's tag (`{ exportJob }`, `{ comboId }`) on top.
 */
export function recordedParams(s: ShotSettings, renderId: number, tag: Record<string, unknown> = {}): Record<string, unknown> {
  const embedding = negativeEmbeddingOf(s);
  return {
    mode: 'r2r',
    steps: s.steps,
    strength: s.strength,
    tacRatio: s.tacRatio,
    tacLevels: s.tacLevels,
    inversion: s.inversion ?? GENERATION_DEFAULTS.inversion,
    guidance: s.guidance,
    seed: s.seed,
    prompt: s.prompt,
    negative: embedding ? { kind: 'embedding', path: resolve(embedding) } : s.negative,
    maxSide: s.maxSide ?? null,
    ...(s.width !== undefined ? { width: s.width } : {}),
    ...(s.height !== undefined ? { height: s.height } : {}),
    modelDir: resolve(s.model),
    renderId,
    ...tag,
  };
}
