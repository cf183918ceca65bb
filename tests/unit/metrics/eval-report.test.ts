import { describe, expect, it } from 'vitest';
import { renderEvalHtml } from '../../../main/metrics/eval-html';
import type { ShotRecord } from '../../../main/metrics/eval-report';
import { buildEvalReport } from '../../../main/metrics/eval-report';
import type { PairMetrics } from '../../../main/metrics/measure-pair';
import { barChart, lineChart, niceTicks } from '../../../main/metrics/svg-charts';

function metrics(ssim: number, deltaE: number, lpips?: number): PairMetrics {
  return {
    ssim_rgb: ssim,
    ssim_luma: ssim,
    laplacian_correlation: ssim,
    energy_correlation: ssim / 2,
    energy_ratio: null,
    mean_delta_e00: deltaE,
    mean_colour_delta_e00: deltaE / 2,
    ...(lpips !== undefined ? { lpips } : {}),
  };
}

const rec = (shot: string, source: 'raster' | 'raytrace', tacRatio: number | null, strength: number | null, m: PairMetrics): ShotRecord => ({ shot, source, tacRatio, strength, metrics: m, category: 't-shirt', view: 'front' });

const records: ShotRecord[] = [
  rec('A <front>', 'raster', 0.5, 0.3, metrics(0.6, 4, 0.2)),
  rec('A <front>', 'raster', 0.9, 0.3, metrics(0.8, 2, 0.1)),
  rec('A <front>', 'raster', 0.9, 0.5, metrics(0.7, 3)),
  rec('A <front>', 'raytrace', 0.9, 0.3, metrics(0.9, 1, 0.05)),
  rec('B & co', 'raster', 0.5, 0.3, metrics(0.4, 6, 0.3)),
  rec('B & co', 'raytrace', 0.5, 0.3, metrics(0.5, 5)),
  rec('B & co', 'raytrace', 0.9, 0.3, metrics(0.7, 2)),
];

/** every tag opened in an SVG/HTML fragment is closed in order (void tags aside) */
function balanced(markup: string): boolean {
  const stack: string[] = [];
  const voids = new Set(['meta', 'br', '!doctype']);
  for (const m of markup.matchAll(/<(\/?)([!a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    const tag = name.toLowerCase();
    if (self || voids.has(tag)) continue;
    if (close) {
      if (stack.pop() !== tag) return false;
    } else stack.push(tag);
  }
  return stack.length === 0;
}

describe('evaluation report (pure)', () => {
  const report = buildEvalReport({ library: 'lib <x>', generatedAt: '2026-01-01T00:00:00Z', records });

  it('counts outputs and shots and lists only metrics that have values', () => {
    expect(report.counts).toEqual({ outputs: 7, shots: 2, raster: 4, raytrace: 3 });
    expect(report.metrics).toEqual(['ssim_rgb', 'ssim_luma', 'laplacian_correlation', 'energy_correlation', 'mean_delta_e00', 'mean_colour_delta_e00', 'lpips']);
  });

  it('averages per render kind, each metric over the records that have it', () => {
    const raster = report.by_source.find((s) => s.source === 'raster');
    expect(raster?.n).toBe(4);
    expect(raster?.mean.ssim_rgb).toBeCloseTo((0.6 + 0.8 + 0.7 + 0.4) / 4, 12);
    expect(raster?.mean.lpips).toBeCloseTo((0.2 + 0.1 + 0.3) / 3, 12);
    const raytrace = report.by_source.find((s) => s.source === 'raytrace');
    expect(raytrace?.mean.mean_delta_e00).toBeCloseTo((1 + 5 + 2) / 3, 12);
    expect(raytrace?.mean.lpips).toBeCloseTo(0.05, 12);
  });

  it('compares rasterised and ray-traced sources per shot', () => {
    expect(report.shots.map((s) => s.shot)).toEqual(['A <front>', 'B & co']);
    const b = report.shots[1];
    expect(b.raster?.n).toBe(1);
    expect(b.raytrace?.mean.ssim_luma).toBeCloseTo(0.6, 12);
    expect(report.shots[0].raytrace?.n).toBe(1);
  });

  it('builds sweeps with at least two parameter values per line', () => {
    // TAC sweep: raster at strength 0.3 (0.5 -> mean of 0.6, 0.4; 0.9 -> 0.8) and raytrace at 0.3 (0.5, 0.9)
    expect(report.sweeps.tac_ratio.map((s) => [s.source, s.fixed, s.points.map((p) => p.x)])).toEqual([
      ['raster', 0.3, [0.5, 0.9]],
      ['raytrace', 0.3, [0.5, 0.9]],
    ]);
    expect(report.sweeps.tac_ratio[0].points[0].mean.ssim_rgb).toBeCloseTo(0.5, 12);
    expect(report.sweeps.tac_ratio[0].points[0].n).toBe(2);
    // strength sweep: only raster at TAC 0.9 has two strengths
    expect(report.sweeps.strength.map((s) => [s.source, s.fixed, s.points.map((p) => [p.x, p.mean.ssim_rgb])])).toEqual([['raster', 0.9, [[0.3, 0.8], [0.5, 0.7]]]]);
  });

  it('renders HTML with escaped names, tables and well-formed SVG charts', () => {
    const html = renderEvalHtml({ ...report, kid: [{ set: 'realistic (from raster)', against: 'photos', n: 4, kid_mean: 0.0123, kid_std: 0.001 }], skipped: [{ shot: 'C', generation: 3, reason: 'out.png is 10x10 but <src> is 20x20' }] });
    expect(balanced(html)).toBe(true);
    expect(html).toContain('Evaluation of lib &lt;x&gt;');
    expect(html).toContain('A &lt;front&gt;');
    expect(html).toContain('B &amp; co');
    expect(html).not.toContain('A <front>');
    expect(html).toContain('Rasterised vs ray-traced vs realistic');
    expect(html).toContain('Across TAC ratio');
    expect(html).toContain('Across strength');
    expect(html).toContain('0.0123');
    expect(html).toContain('Left out');
    expect(html).toContain('&lt;src&gt; is 20x20');
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    // 2 bar charts + 4 headline metrics x 2 sweeps
    expect(svgs.length).toBe(10);
    for (const s of svgs) expect(balanced(s)).toBe(true);
  });

  it('renders an empty library without charts or errors', () => {
    const empty = buildEvalReport({ records: [] });
    expect(empty.metrics).toEqual([]);
    const html = renderEvalHtml(empty);
    expect(balanced(html)).toBe(true);
    expect(html).not.toContain('<svg');
  });
});

describe('svg charts', () => {
  it('picks round ticks', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.43, 0.91)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9]);
  });

  it('places line points inside the plot and skips missing values', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [{ x: 0, y: 1 }, { x: 1, y: null }, { x: 2, y: 3 }] }], width: 400, height: 200 });
    const pts = (svg.match(/points="([^"]+)"/)?.[1] ?? '').split(' ').map((p) => p.split(',').map(Number));
    expect(pts.length).toBe(2);
    for (const [x, y] of pts) {
      expect(x).toBeGreaterThan(56);
      expect(x).toBeLessThan(400);
      expect(y).toBeGreaterThan(34);
      expect(y).toBeLessThan(216);
    }
    expect(pts[0][1]).toBeGreaterThan(pts[1][1]); // larger y is drawn higher
  });

  it('draws negative bars below the zero line', () => {
    const svg = barChart({ title: 't', yLabel: 'y', categories: ['a', 'b'], series: [{ name: 's', values: [-1, 2] }] });
    const rects = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="[^"]+"><title>/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(rects.length).toBe(2);
    // the negative bar starts where the positive one ends (the zero line)
    expect(rects[0][0]).toBeCloseTo(rects[1][0] + rects[1][1], 0);
    expect(rects[1][1]).toBeCloseTo(2 * rects[0][1], 0);
  });
});
