import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeJsonFile } from '../common/json-file';
import type { UnetCallRecord } from '../inference/pipelines/r2r';

/**
 * The measured cost of a shot's parts, per (provider, model, canvas): seconds per UNet call of
 * each stage and batch (inversion 1 row; generation 2 rows [negative, conditional], 3 with the
 * TAC reference row), per VAE encode and decode, and the rest (text encoder, fitting, writing).
 * Kept in the library folder (step-times.json) and refined after every shot, so the studio's
 * estimate is this machine's own.
 */
export type ShotPart = 'inversion:1' | 'generation:2' | 'generation:3' | 'encode' | 'decode' | 'other';

export const STEP_TIMES_FILE = 'step-times.json';
const MAX_ENTRIES = 500;
/** weight of the newest shot in the moving average: a machine's speed changes, one slow shot does not rule */
export const NEWEST_WEIGHT = 0.5;

const entrySchema = z.object({ seconds: z.number().nonnegative().finite(), shots: z.number().int().positive(), updatedAt: z.number().int().nonnegative() });
const fileSchema = z.object({
  version: z.literal(1),
  entries: z.record(z.string().max(8192), entrySchema),
  /** what 'auto' chose the last time a shot ran without a provider */
  autoProvider: z.string().max(64).optional(),
});
export type StepTimesData = z.infer<typeof fileSchema>;
export type StepTimeEntry = z.infer<typeof entrySchema>;

export interface PartKey {
  provider: string;
  /** the model folder as given (resolved) */
  model: string;
  width: number;
  height: number;
  part: ShotPart;
}

export function partKey(k: PartKey): string {
  return `${k.provider}|${k.width}x${k.height}|${k.part}|${k.model}`;
}

function parseKey(key: string): PartKey | undefined {
  const m = /^([^|]+)\|(\d+)x(\d+)\|([^|]+)\|(.+)$/.exec(key);
  return m ? { provider: m[1]!, width: Number(m[2]), height: Number(m[3]), part: m[4] as ShotPart, model: m[5]! } : undefined;
}

export function stepTimesFile(libraryRoot: string): string {
  return join(libraryRoot, STEP_TIMES_FILE);
}

export function readStepTimes(file: string): StepTimesData {
  return readJsonFile(file, fileSchema) ?? { version: 1, entries: {} };
}

/** what one finished shot measured, as the engine reports it (R2RResult) */
export interface ShotTimings {
  provider: string;
  model: string;
  width: number;
  height: number;
  unetCalls: readonly Pick<UnetCallRecord, 'stage' | 'batch' | 'ms'>[];
  /** milliseconds per engine stage */
  timings: Partial<Record<'prepare' | 'encode' | 'inversion' | 'text' | 'generation' | 'decode' | 'composite' | 'write', number>>;
  /** the provider asked for: 'auto' (or none) remembers what auto chose */
  requestedProvider?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** seconds per part this shot measured; a part it did not run (a cached inversion) is left out */
export function measuredParts(t: ShotTimings): Partial<Record<ShotPart, number>> {
  const out: Partial<Record<ShotPart, number>> = {};
  for (const part of ['inversion:1', 'generation:2', 'generation:3'] as const) {
    const [stage, rows] = part.split(':') as ['inversion' | 'generation', string];
    // the median: the first call of a fresh session pays onnxruntime's warm-up
    const ms = t.unetCalls.filter((c) => c.stage === stage && c.batch === Number(rows)).map((c) => c.ms);
    if (ms.length) out[part] = median(ms) / 1000;
  }
  if (t.timings.encode !== undefined) out.encode = t.timings.encode / 1000;
  if (t.timings.decode !== undefined) out.decode = t.timings.decode / 1000;
  const other = (['prepare', 'text', 'composite', 'write'] as const).reduce((a, s) => a + (t.timings[s] ?? 0), 0);
  out.other = other / 1000;
  return out;
}

/** folds one shot's measurements into the data (a new part takes the shot's value; a known one moves halfway) */
export function foldShot(data: StepTimesData, t: ShotTimings, now = Date.now()): StepTimesData {
  const entries = { ...data.entries };
  for (const [part, seconds] of Object.entries(measuredParts(t)) as [ShotPart, number][]) {
    const key = partKey({ provider: t.provider, model: t.model, width: t.width, height: t.height, part });
    const old = entries[key];
    entries[key] = old ? { seconds: old.seconds + NEWEST_WEIGHT * (seconds - old.seconds), shots: old.shots + 1, updatedAt: now } : { seconds, shots: 1, updatedAt: now };
  }
  const kept = Object.entries(entries).sort((a, b) => b[1].updatedAt - a[1].updatedAt).slice(0, MAX_ENTRIES);
  const auto = t.requestedProvider === undefined || t.requestedProvider === 'auto' ? t.provider : data.autoProvider;
  return { version: 1, entries: Object.fromEntries(kept), ...(auto ? { autoProvider: auto } : {}) };
}

/** refines the library's step times with a finished shot; a library that cannot be written costs the estimate, not the shot */
export function recordShotTimes(libraryRoot: string, t: ShotTimings): void {
  const file = stepTimesFile(libraryRoot);
  try {
    writeJsonFile(file, foldShot(readStepTimes(file), t));
  } catch {
    // read-only library or full disk: the next estimate uses the older numbers
  }
}

export interface MeasuredPart {
  seconds: number;
  /** the canvas it was measured at, when it was another size and scaled by pixel count */
  scaledFrom?: { width: number; height: number };
}

/**
 * The measured seconds of a part at this canvas, or at the nearest measured canvas of the same
 * provider and model scaled by pixel count (convolutions, most of a UNet's work, grow with it).
 */
export function lookupPart(data: StepTimesData, k: PartKey): MeasuredPart | undefined {
  const exact = data.entries[partKey(k)];
  if (exact) return { seconds: exact.seconds };
  const px = k.width * k.height;
  let best: { key: PartKey; seconds: number } | undefined;
  for (const [key, e] of Object.entries(data.entries)) {
    const p = parseKey(key);
    if (!p || p.provider !== k.provider || p.model !== k.model || p.part !== k.part) continue;
    const distance = Math.abs(Math.log((p.width * p.height) / px));
    if (!best || distance < Math.abs(Math.log((best.key.width * best.key.height) / px))) best = { key: p, seconds: e.seconds };
  }
  if (!best) return undefined;
  return { seconds: (best.seconds * px) / (best.key.width * best.key.height), scaledFrom: { width: best.key.width, height: best.key.height } };
}
