/**
 * Small self-contained SVG charts for the evaluation report: line charts (metric across a
 * sweep) and grouped bar charts (metric per render kind). Plain strings, no DOM, so the
 * report renders the same in Node, the app and a browser.
 */
export interface LineSeries {
  name: string;
  points: { x: number; y: number | null }[];
}

export interface BarSeries {
  name: string;
  values: (number | null)[];
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** about `count` round tick values covering [lo, hi] */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function extent(values: number[], includeZero = false): [number, number] {
  let lo = Math.min(...values, ...(includeZero ? [0] : []));
  let hi = Math.max(...values, ...(includeZero ? [0] : []));
  if (!Number.isFinite(lo)) return [0, 1];
  if (hi === lo) {
    const pad = Math.abs(lo) * 0.1 || 0.5;
    lo -= pad;
    hi += pad;
  } else {
    // headroom: bars may touch zero, never the frame
    const pad = (hi - lo) * (includeZero ? 0.05 : 0.08);
    if (!includeZero || lo < 0) lo -= pad;
    if (!includeZero || hi > 0) hi += pad;
  }
  return [lo, hi];
}

const fmtTick = (v: number) => String(Number(v.toPrecision(4)));

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function frameOf(width: number, height: number, legendRows: number): Frame {
  return { width, height, left: 56, right: width - 16, top: 34, bottom: height - 40 - 16 * legendRows };
}

function axes(f: Frame, title: string, xLabel: string, yLabel: string, yTicks: number[], sy: (v: number) => number): string[] {
  const out = [
    `<text x="${f.width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">${escapeXml(title)}</text>`,
    `<line x1="${f.left}" y1="${f.bottom}" x2="${f.right}" y2="${f.bottom}" stroke="#444"/>`,
    `<line x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${f.bottom}" stroke="#444"/>`,
    `<text x="${(f.left + f.right) / 2}" y="${f.bottom + 30}" text-anchor="middle" font-size="11">${escapeXml(xLabel)}</text>`,
    `<text x="12" y="${(f.top + f.bottom) / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${(f.top + f.bottom) / 2})">${escapeXml(yLabel)}</text>`,
  ];
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${f.left}" y1="${y}" x2="${f.right}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${f.left - 4}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="10">${fmtTick(t)}</text>`);
  }
  return out;
}

function legend(f: Frame, names: string[]): string[] {
  return names.map((name, i) => {
    const y = f.bottom + 44 + 16 * i;
    return `<rect x="${f.left}" y="${y - 9}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${f.left + 16}" y="${y}" font-size="11">${escapeXml(name)}</text>`;
  });
}

function svg(f: Frame, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" font-family="sans-serif">${body.join('')}</svg>`;
}

/** one polyline (with dots) per series; null points break nothing, they are skipped */
export function lineChart(opts: { title: string; xLabel: string; yLabel: string; series: LineSeries[]; width?: number; height?: number }): string {
  const series = opts.series.map((s) => ({ ...s, points: s.points.filter((p): p is { x: number; y: number } => p.y !== null && Number.isFinite(p.y)).sort((a, b) => a.x - b.x) }));
  const f = frameOf(opts.width ?? 480, (opts.height ?? 280) + 16 * series.length, series.length);
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const [x0, x1] = extent(xs);
  const [y0, y1] = extent(ys);
  const sx = (v: number) => f.left + ((v - x0) / (x1 - x0)) * (f.right - f.left);
  const sy = (v: number) => f.bottom - ((v - y0) / (y1 - y0)) * (f.bottom - f.top);
  const body = axes(f, opts.title, opts.xLabel, opts.yLabel, niceTicks(y0, y1), sy);
  for (const t of niceTicks(x0, x1)) {
    body.push(`<text x="${sx(t).toFixed(1)}" y="${f.bottom + 14}" text-anchor="middle" font-size="10">${fmtTick(t)}</text>`);
  }
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const pts = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`);
    if (pts.length > 1) body.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [cx, cy] = p.split(',');
      body.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}"/>`);
    }
  });
  body.push(...legend(f, series.map((s) => s.name)));
  return svg(f, body);
}

/** grouped bars: one group per category, one bar per series; null values leave a gap */
export function barChart(opts: { title: string; yLabel: string; categories: string[]; series: BarSeries[]; width?: number; height?: number }): string {
  const f = frameOf(opts.width ?? 480, (opts.height ?? 280) + 16 * opts.series.length, opts.series.length);
  const values = opts.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const [y0, y1] = extent(values, true);
  const sy = (v: number) => f.bottom - ((v - y0) / (y1 - y0)) * (f.bottom - f.top);
  const body = axes(f, opts.title, '', opts.yLabel, niceTicks(y0, y1), sy);
  const groupWidth = (f.right - f.left) / Math.max(1, opts.categories.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, opts.series.length);
  opts.categories.forEach((cat, g) => {
    const gx = f.left + g * groupWidth;
    body.push(`<text x="${(gx + groupWidth / 2).toFixed(1)}" y="${f.bottom + 14}" text-anchor="middle" font-size="10">${escapeXml(cat)}</text>`);
    opts.series.forEach((s, i) => {
      const v = s.values[g];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      const x = gx + groupWidth * 0.1 + i * barWidth;
      const top = Math.min(sy(v), sy(0));
      const h = Math.abs(sy(v) - sy(0));
      body.push(`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth * 0.9).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"><title>${escapeXml(`${s.name} ${cat}: ${fmtTick(v)}`)}</title></rect>`);
    });
  });
  body.push(...legend(f, opts.series.map((s) => s.name)));
  return svg(f, body);
}
