import { z } from 'zod';
import { stepCounts } from '../../../preload/api/step-counts';
import { INVERSION_ORDERS, type GenerateJobParams, type SweepJobParams } from '../../../preload/api/generation-types';
import type { ShotSettings } from '../../shots/shot-settings';

// the params of the generate and sweep jobs, apart from the engine and the shot service: the
// main process checks them on submit without loading onnxruntime

/** K = int(steps * strength), the engine's count (preload/api/step-counts.ts) */
export function usedSteps(steps: number, strength: number): number {
  return stepCounts(steps, strength, 0).k;
}

/** the generate job's params as the studio's Generate button sends them (preload/api/generation-types.ts) */
export const generateParamsSchema = z
  .object({
    /** the library folder the studio has open (the worker opens it by path) */
    library: z.string().min(1),
    renderId: z.number().int().positive(),
    model: z.string().min(1),
    steps: z.number().int().min(1).max(1000),
    strength: z.number().gt(0).max(1),
    tacRatio: z.number().min(0).max(1),
    tacLevels: z.number().int().min(1).max(4),
    inversion: z.enum(INVERSION_ORDERS).optional(),
    guidance: z.number().min(0).max(100),
    seed: z.number().int().min(0).max(2 ** 32 - 1),
    prompt: z.string().max(2000),
    negative: z.discriminatedUnion('kind', [z.object({ kind: z.literal('embedding'), path: z.string() }), z.object({ kind: z.literal('prompt'), text: z.string().max(2000) })]),
    /** the model canvas's longer side (a multiple of the model's size step); default 768x1024 */
    maxSide: z.number().int().min(16).max(4096).optional(),
    provider: z.string().optional(),
    /** the outfit the shot is for (Combos view), recorded in the generation's params */
    comboId: z.number().int().positive().optional(),
    regionPreset: z.string().min(1).max(200).optional(),
  })
  .strict();

export type GenerateParams = z.infer<typeof generateParamsSchema>;

/** the shot settings of a generate or sweep job (the library, render and outfit are not settings) */
export function settingsOfJob(p: GenerateParams): ShotSettings {
  return {
    model: p.model,
    steps: p.steps,
    strength: p.strength,
    tacRatio: p.tacRatio,
    tacLevels: p.tacLevels,
    ...(p.inversion !== undefined ? { inversion: p.inversion } : {}),
    guidance: p.guidance,
    seed: p.seed,
    prompt: p.prompt,
    negative: p.negative,
    ...(p.maxSide !== undefined ? { maxSide: p.maxSide } : {}),
    ...(p.provider !== undefined ? { provider: p.provider } : {}),
    ...(p.regionPreset !== undefined ? { regionPreset: p.regionPreset } : {}),
  };
}

/** the outfit a shot is for, recorded with its params */
export function tagOfJob(p: GenerateParams): Record<string, unknown> {
  return p.comboId ? { comboId: p.comboId } : {};
}

const cellSchema = z.object({ tacRatio: z.number().min(0).max(1), strength: z.number().gt(0).max(1) }).strict();

export type SweepCell = z.infer<typeof cellSchema>;

export const sweepParamsSchema = generateParamsSchema.extend({ grid: z.array(cellSchema).min(1).max(64) }).strict();

export type SweepParams = z.infer<typeof sweepParamsSchema>;

// the UI's param types (preload/api/generation-types.ts) and these schemas must agree
type Same<A, B> = [A, keyof A] extends [B, keyof B] ? ([B, keyof B] extends [A, keyof A] ? true : false) : false;
export const paramsAgree: [Same<GenerateParams, GenerateJobParams>, Same<SweepParams, SweepJobParams>] = [true, true];
