import { isUserError } from '../common/errors';
import type { KidEntry, ShotInfo, ShotRecord, SkippedEntry } from './eval-report';
import { loadRgb } from './image';
import type { InceptionNetwork } from './inception';
import type { KidOptions } from './kid';
import { kid } from './kid';
import type { LpipsNetwork } from './lpips';
import type { PairFiles, PairMetrics } from './measure-pair';
import { measurePair } from './measure-pair';

/**
 * The work between a library and the report: measure every output against its render
 * (and optionally KID of image sets), so that `r2r eval` only has to list the outputs.
 */
export interface EvalItem extends ShotInfo {
  /** generation parameters as stored; tacRatio / strength are read by `sweepParams` */
  params?: Record<string, unknown>;
  files: PairFiles;
}

export interface EvaluateOptions {
  lpips?: LpipsNetwork;
  gabor?: boolean;
  onProgress?: (done: number, total: number, label: string) => void;
  signal?: AbortSignal;
}

const asNumber = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

/** TAC ratio and strength from a generation's parameters (camelCase or snake_case keys) */
export function sweepParams(params: Record<string, unknown> | undefined): { tacRatio: number | null; strength: number | null } {
  const p = params ?? {};
  return { tacRatio: asNumber(p.tacRatio ?? p.tac_ratio), strength: asNumber(p.strength) };
}


/**
 * measures each output against its render; an output whose files a person must fix (a
 * UserError) is listed in `skipped` instead of stopping the whole report
 */
export async function evaluateOutputs(items: EvalItem[], opts: EvaluateOptions = {}): Promise<{ records: ShotRecord[]; skipped: SkippedEntry[] }> {
  const records: ShotRecord[] = [];
  const skipped: SkippedEntry[] = [];
  for (const [i, item] of items.entries()) {
    opts.signal?.throwIfAborted();
    let metrics: PairMetrics;
    try {
      metrics = await measurePair(item.files, { lpips: opts.lpips, gabor: opts.gabor });
    } catch (err) {
      if (!isUserError(err)) throw err;
      skipped.push({ shot: item.shot, generation: item.generation, reason: err.message });
      opts.onProgress?.(i + 1, items.length, item.shot);
      continue;
    }
    records.push({
      shot: item.shot,
      garment: item.garment,
      category: item.category,
      view: item.view,
      source: item.source,
      generation: item.generation,
      ...sweepParams(item.params),
      metrics,
    });
    opts.onProgress?.(i + 1, items.length, item.shot);
  }
  return { records, skipped };
}

/** Inception features of image files, loaded a batch at a time so memory stays bounded */
export async function featuresOfFiles(net: InceptionNetwork, files: string[], signal?: AbortSignal, batch = 16): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < files.length; i += batch) {
    signal?.throwIfAborted();
    const images = await Promise.all(files.slice(i, i + batch).map((f) => loadRgb(f)));
    out.push(...(await net.features(images)));
  }
  return out;
}

/** KID of each named set of files against the reference set (e.g. real photos) */
export async function kidOfSets(
  net: InceptionNetwork,
  sets: { set: string; files: string[] }[],
  reference: { name: string; files: string[] },
  opts: KidOptions & { signal?: AbortSignal } = {},
): Promise<KidEntry[]> {
  const ref = await featuresOfFiles(net, reference.files, opts.signal);
  const out: KidEntry[] = [];
  for (const s of sets) {
    const feats = await featuresOfFiles(net, s.files, opts.signal);
    const r = kid(feats, ref, opts);
    out.push({ set: s.set, against: reference.name, n: s.files.length, kid_mean: r.kid_mean, kid_std: r.kid_std });
  }
  return out;
}

