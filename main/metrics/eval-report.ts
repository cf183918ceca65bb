import type { PairMetrics } from './measure-pair';

/**
 * The library-wide evaluation report as data: a pure function from per-output records
 * (each output measured against the render it came from) to aggregates by render kind,
 * per shot (rasterised vs ray-traced source) and across TAC-ratio / strength sweeps.
 * `renderEvalHtml` (eval-html.ts) turns the same object into tables and SVG charts.
 */
export type SourceKind = 'raster' | 'raytrace';

/** what names one output in the report: the shot, where it comes from, which generation */
export interface ShotInfo {
  /** what the tables call the shot, e.g. 'SKU-001 red front' */
  shot: string;
  garment?: string;
  category?: string;
  view?: string;
  /** the kind of render the realistic output was generated from */
  source: SourceKind;
  generation?: number | string;
}

export interface ShotRecord extends ShotInfo {
  tacRatio: number | null;
  strength: number | null;
  metrics: PairMetrics;
}

/** KID of one image set against real photos (or any reference set), from a supplied network */
export interface KidEntry {
  set: string;
  against: string;
  n: number;
  kid_mean: number;
  kid_std: number;
}

/** an output left out of the report, and why */
export interface SkippedEntry {
  shot: string;
  generation?: number | string;
  reason: string;
}

export interface EvalInput {
  library?: string;
  generatedAt?: string;
  records: ShotRecord[];
  kid?: KidEntry[];
  skipped?: SkippedEntry[];
}

export type MetricKey = Exclude<keyof PairMetrics, 'mask_pixels'>;
export type MetricMeans = Partial<Record<MetricKey, number | null>>;

export const METRICS: { key: MetricKey; label: string; better: 'higher' | 'lower' | 'closer to 1' }[] = [
  { key: 'ssim_rgb', label: 'SSIM RGB', better: 'higher' },
  { key: 'ssim_luma', label: 'SSIM luma', better: 'higher' },
  { key: 'masked_ssim_rgb', label: 'SSIM RGB in mask', better: 'higher' },
  { key: 'masked_ssim_luma', label: 'SSIM luma in mask', better: 'higher' },
  { key: 'laplacian_correlation', label: 'Laplacian corr.', better: 'higher' },
  { key: 'energy_correlation', label: 'HF energy corr.', better: 'higher' },
  { key: 'energy_ratio', label: 'HF energy ratio', better: 'closer to 1' },
  { key: 'gabor_correlation', label: 'Gabor corr.', better: 'higher' },
  { key: 'gabor_energy_ratio', label: 'Gabor energy ratio', better: 'closer to 1' },
  { key: 'mean_delta_e00', label: 'mean ΔE00', better: 'lower' },
  { key: 'mean_colour_delta_e00', label: 'ΔE00 of mean colour', better: 'lower' },
  { key: 'lpips', label: 'LPIPS', better: 'lower' },
];

export interface GroupStats {
  n: number;
  mean: MetricMeans;
}

export interface SweepPoint extends GroupStats {
  x: number;
}

/** one line of a sweep: a render kind with the other parameter held at `fixed` */
export interface SweepSeries {
  source: SourceKind;
  fixed: number | null;
  points: SweepPoint[];
}

export interface ShotRow {
  shot: string;
  garment: string | null;
  category: string | null;
  view: string | null;
  raster: GroupStats | null;
  raytrace: GroupStats | null;
}

export interface EvalReport {
  library: string | null;
  generated_at: string;
  /** the metrics that have at least one value, in display order */
  metrics: MetricKey[];
  counts: { outputs: number; shots: number; raster: number; raytrace: number };
  by_source: ({ source: SourceKind } & GroupStats)[];
  shots: ShotRow[];
  sweeps: { tac_ratio: SweepSeries[]; strength: SweepSeries[] };
  kid: KidEntry[];
  skipped: SkippedEntry[];
  records: ShotRecord[];
}

export const SOURCES: SourceKind[] = ['raster', 'raytrace'];
export const SOURCE_LABEL: Record<SourceKind, string> = { raster: 'rasterised', raytrace: 'ray-traced' };

function value(r: ShotRecord, key: MetricKey): number | null {
  const v = r.metrics[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** count and per-metric means (each metric over the records that have it) */
export function groupStats(records: ShotRecord[], metrics: MetricKey[]): GroupStats {
  const mean: MetricMeans = {};
  for (const key of metrics) {
    const vs = records.map((r) => value(r, key)).filter((v): v is number => v !== null);
    mean[key] = vs.length ? vs.reduce((s, v) => s + v, 0) / vs.length : null;
  }
  return { n: records.length, mean };
}

function groupBy<K>(records: ShotRecord[], key: (r: ShotRecord) => K): Map<K, ShotRecord[]> {
  const out = new Map<K, ShotRecord[]>();
  for (const r of records) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

const byNumber = (a: number | null, b: number | null) => (a ?? -Infinity) - (b ?? -Infinity);

/** series along `along`, one per (source, value of `other`), kept when they have 2+ x values */
function sweep(records: ShotRecord[], metrics: MetricKey[], along: 'tacRatio' | 'strength', other: 'tacRatio' | 'strength'): SweepSeries[] {
  const out: SweepSeries[] = [];
  for (const source of SOURCES) {
    const mine = records.filter((r) => r.source === source && r[along] !== null);
    const lines = groupBy(mine, (r) => r[other]);
    for (const fixed of [...lines.keys()].sort(byNumber)) {
      const byX = groupBy(lines.get(fixed) as ShotRecord[], (r) => r[along] as number);
      if (byX.size < 2) continue;
      const points = [...byX.keys()].sort((a, b) => a - b).map((x) => ({ x, ...groupStats(byX.get(x) as ShotRecord[], metrics) }));
      out.push({ source, fixed, points });
    }
  }
  return out;
}

export function buildEvalReport(input: EvalInput): EvalReport {
  const records = input.records;
  const metrics = METRICS.map((m) => m.key).filter((key) => records.some((r) => value(r, key) !== null));
  const shots = groupBy(records, (r) => r.shot);
  return {
    library: input.library ?? null,
    generated_at: input.generatedAt ?? new Date().toISOString(),
    metrics,
    counts: {
      outputs: records.length,
      shots: shots.size,
      raster: records.filter((r) => r.source === 'raster').length,
      raytrace: records.filter((r) => r.source === 'raytrace').length,
    },
    by_source: SOURCES.map((source) => ({ source, ...groupStats(records.filter((r) => r.source === source), metrics) })),
    shots: [...shots.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([shot, list]) => {
        const of = (source: SourceKind) => {
          const mine = list.filter((r) => r.source === source);
          return mine.length ? groupStats(mine, metrics) : null;
        };
        return { shot, garment: list[0].garment ?? null, category: list[0].category ?? null, view: list[0].view ?? null, raster: of('raster'), raytrace: of('raytrace') };
      }),
    sweeps: { tac_ratio: sweep(records, metrics, 'tacRatio', 'strength'), strength: sweep(records, metrics, 'strength', 'tacRatio') },
    kid: input.kid ?? [],
    skipped: input.skipped ?? [],
    records,
  };
}
