import type { EvalReport, GroupStats, MetricKey, SweepSeries } from './eval-report';
import { METRICS, SOURCE_LABEL, SOURCES } from './eval-report';
import { barChart, escapeXml, lineChart } from './svg-charts';

/** the report as one self-contained HTML page: tables plus inline SVG charts */
export function renderEvalHtml(report: EvalReport): string {
  const label = (k: MetricKey) => METRICS.find((m) => m.key === k)?.label ?? k;
  const better = (k: MetricKey) => METRICS.find((m) => m.key === k)?.better ?? '';
  const num = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(4));
  const esc = escapeXml;
  const headline = headlineMetrics(report.metrics);
  const parts: string[] = [];

  parts.push(`<h1>Evaluation${report.library ? ` of ${esc(report.library)}` : ''}</h1>`);
  parts.push(
    `<p>${report.counts.outputs} realistic outputs of ${report.counts.shots} shots (${report.counts.raster} from rasterised renders, ${report.counts.raytrace} from ray-traced renders); each measured against the render it came from. Generated ${esc(report.generated_at)}.${report.skipped.length ? ` ${report.skipped.length} outputs could not be measured (listed at the end).` : ''}</p>`,
  );

  // rasterised vs ray-traced vs realistic
  parts.push('<h2>Rasterised vs ray-traced vs realistic</h2>');
  parts.push('<table><thead><tr><th>metric</th><th>better</th>');
  for (const s of report.by_source) parts.push(`<th>${SOURCE_LABEL[s.source]} → realistic (n = ${s.n})</th>`);
  parts.push('</tr></thead><tbody>');
  for (const k of report.metrics) {
    parts.push(`<tr><td>${esc(label(k))}</td><td>${better(k)}</td>${report.by_source.map((s) => `<td class="n">${num(s.mean[k])}</td>`).join('')}</tr>`);
  }
  parts.push('</tbody></table>');
  const unitScale = report.metrics.filter((k) => !k.includes('delta_e') && !k.endsWith('energy_ratio'));
  if (report.counts.outputs > 0) {
    const sourcesPresent = report.by_source.filter((s) => s.n > 0);
    parts.push('<div class="charts">');
    parts.push(
      barChart({
        title: 'Similarity to the source render',
        yLabel: 'mean',
        categories: unitScale.map(label),
        series: sourcesPresent.map((s) => ({ name: `${SOURCE_LABEL[s.source]} → realistic`, values: unitScale.map((k) => s.mean[k] ?? null) })),
        width: Math.max(480, 115 * unitScale.length),
      }),
    );
    const colourKeys = report.metrics.filter((k) => k.includes('delta_e'));
    if (colourKeys.length) {
      parts.push(
        barChart({
          title: 'Colour shift (CIEDE2000)',
          yLabel: 'ΔE00',
          categories: colourKeys.map(label),
          series: sourcesPresent.map((s) => ({ name: `${SOURCE_LABEL[s.source]} → realistic`, values: colourKeys.map((k) => s.mean[k] ?? null) })),
          width: 360,
        }),
      );
    }
    parts.push('</div>');
  }
  if (report.kid.length) {
    parts.push('<h3>KID (unbiased polynomial MMD², lower is closer)</h3><table><thead><tr><th>set</th><th>against</th><th>n</th><th>KID</th><th>± std</th></tr></thead><tbody>');
    for (const k of report.kid) parts.push(`<tr><td>${esc(k.set)}</td><td>${esc(k.against)}</td><td class="n">${k.n}</td><td class="n">${num(k.kid_mean)}</td><td class="n">${num(k.kid_std)}</td></tr>`);
    parts.push('</tbody></table>');
  }

  // sweeps
  const sweepSection = (title: string, xLabel: string, fixedName: string, series: SweepSeries[]) => {
    if (!series.length) return;
    parts.push(`<h2>${title}</h2><div class="charts">`);
    const name = (s: SweepSeries) => `${SOURCE_LABEL[s.source]}, ${fixedName} ${s.fixed ?? 'unset'}`;
    for (const k of headline) {
      parts.push(lineChart({ title: label(k), xLabel, yLabel: label(k), series: series.map((s) => ({ name: name(s), points: s.points.map((p) => ({ x: p.x, y: p.mean[k] ?? null })) })) }));
    }
    parts.push('</div><table><thead><tr><th>series</th><th>' + esc(xLabel) + '</th><th>n</th>');
    for (const k of report.metrics) parts.push(`<th>${esc(label(k))}</th>`);
    parts.push('</tr></thead><tbody>');
    for (const s of series) {
      for (const p of s.points) {
        parts.push(`<tr><td>${esc(name(s))}</td><td class="n">${p.x}</td><td class="n">${p.n}</td>${report.metrics.map((k) => `<td class="n">${num(p.mean[k])}</td>`).join('')}</tr>`);
      }
    }
    parts.push('</tbody></table>');
  };
  sweepSection('Across TAC ratio', 'TAC ratio', 'strength', report.sweeps.tac_ratio);
  sweepSection('Across strength', 'strength', 'TAC ratio', report.sweeps.strength);

  // per shot
  parts.push('<h2>Per shot</h2><table><thead><tr><th>shot</th><th>category</th><th>view</th>');
  for (const source of SOURCES) for (const k of ['n', ...headline] as const) parts.push(`<th>${SOURCE_LABEL[source]}: ${k === 'n' ? 'n' : esc(label(k))}</th>`);
  parts.push('</tr></thead><tbody>');
  const cells = (g: GroupStats | null) => ['n' as const, ...headline].map((k) => `<td class="n">${g ? (k === 'n' ? g.n : num(g.mean[k])) : '–'}</td>`).join('');
  for (const row of report.shots) {
    parts.push(`<tr><td>${esc(row.shot)}</td><td>${esc(row.category ?? '')}</td><td>${esc(row.view ?? '')}</td>${cells(row.raster)}${cells(row.raytrace)}</tr>`);
  }
  parts.push('</tbody></table>');

  // every output
  parts.push('<h2>Every output</h2><table><thead><tr><th>shot</th><th>source</th><th>generation</th><th>TAC ratio</th><th>strength</th>');
  for (const k of report.metrics) parts.push(`<th>${esc(label(k))}</th>`);
  parts.push('</tr></thead><tbody>');
  for (const r of report.records) {
    parts.push(
      `<tr><td>${esc(r.shot)}</td><td>${SOURCE_LABEL[r.source]}</td><td>${esc(String(r.generation ?? ''))}</td><td class="n">${r.tacRatio ?? '–'}</td><td class="n">${r.strength ?? '–'}</td>${report.metrics
        .map((k) => `<td class="n">${num(r.metrics[k] as number | null | undefined)}</td>`)
        .join('')}</tr>`,
    );
  }
  parts.push('</tbody></table>');

  if (report.skipped.length) {
    parts.push('<h2>Left out</h2><table><thead><tr><th>shot</th><th>generation</th><th>why</th></tr></thead><tbody>');
    for (const s of report.skipped) parts.push(`<tr><td>${esc(s.shot)}</td><td>${esc(String(s.generation ?? ''))}</td><td>${esc(s.reason)}</td></tr>`);
    parts.push('</tbody></table>');
  }

  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>R2R Studio evaluation${report.library ? ` — ${esc(report.library)}` : ''}</title>`,
    '<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #ccc;padding:3px 8px;font-size:12px}th{background:#f3f3f3;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}.charts{display:flex;flex-wrap:wrap;gap:16px}</style>',
    '</head><body>',
    ...parts,
    '</body></html>',
  ].join('\n');
}

/** the few metrics worth a chart: SSIM (in the mask when there is one), texture, colour, LPIPS */
export function headlineMetrics(present: MetricKey[]): MetricKey[] {
  const ssim: MetricKey = present.includes('masked_ssim_luma') ? 'masked_ssim_luma' : 'ssim_luma';
  return ([ssim, 'energy_correlation', 'mean_delta_e00', 'lpips'] as MetricKey[]).filter((k) => present.includes(k));
}
