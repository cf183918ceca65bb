import path from 'node:path';
import { UserError } from '../../common/errors';
import { openLibrary } from '../../catalog/library';
import { getGarment, searchGarments } from '../../catalog/queries/garments';
import { getSwatch } from '../../catalog/queries/swatches';
import { loadMask, loadRgb } from '../../metrics/image';
import { scoreSwatch } from '../../swatch/evaluate';
import type { SwatchScore } from '../../swatch/evaluate';
import type { CliCommand } from '../command';
import { needString, optString, printResult } from '../command';
import { createProgress } from '../progress';

export type SwatchEvalEntry = { sku: string; colorway: string; render: string; truePeriodX: number; truePeriodY: number } & SwatchScore;

interface Job {
  sku: string;
  colorway: string;
  render: string;
  mask?: string;
  swatch: string;
  periodX: number;
  periodY: number;
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : null);
const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

export const evalSwatchesCommand: CliCommand = {
  name: 'eval swatches',
  summary: "how faithfully swatches come out of a library's renders: each colorway's swatch extracted from its front render against its true swatch",
  usage: '--library <lib> [--view front] [--json]',
  options: {
    library: { type: 'string', help: 'library whose colorways carry a true swatch (the sample library does), opened read-only' },
    view: { type: 'string', help: 'which ray-traced view to extract from (default front)' },
    json: { type: 'boolean', help: 'print one entry per colorway and the totals meanSsim and meanPeriodErrorPx as JSON' },
  },
  async run(ctx) {
    const view = optString(ctx, 'view') ?? 'front';
    const lib = openLibrary(needString(ctx, 'library'), { readonly: true });
    const jobs: Job[] = [];
    try {
      for (let offset = 0; ; offset += 1000) {
        const page = searchGarments(lib, { limit: 1000, offset, orderBy: 'sku' });
        for (const summary of page.garments) {
          const g = getGarment(lib, summary.id);
          for (const c of g.colorways) {
            const swatch = getSwatch(lib, c.id);
            const render = g.renders.find((r) => r.colorwayId === c.id && r.kind === 'raytrace' && r.view === view);
            if (!swatch || swatch.origin !== 'procedural' || !render) continue;
            const mask = g.masks.find((m) => m.renderId === render.id && m.purpose === 'garment');
            jobs.push({
              sku: g.sku,
              colorway: c.name,
              render: path.join(lib.root, render.path),
              ...(mask ? { mask: path.join(lib.root, mask.path) } : {}),
              swatch: path.join(lib.root, swatch.path),
              periodX: swatch.periodX,
              periodY: swatch.periodY,
            });
          }
        }
        if (offset + page.garments.length >= page.total || page.garments.length === 0) break;
      }
    } finally {
      lib.close();
    }
    if (!jobs.length) {
      throw new UserError('no-true-swatches', `no colorway in ${lib.root} has a true swatch and a ray-traced ${view} render`, 'Measure a library made with `r2r sample-library`, whose colorways carry their true tiles.');
    }
    const progress = createProgress(ctx, 'eval swatches', { json: Boolean(ctx.values.json) });
    const entries: SwatchEvalEntry[] = [];
    for (const [i, job] of jobs.entries()) {
      if (ctx.signal.aborted) throw new UserError('interrupted', 'eval swatches was interrupted');
      const [render, tile, mask] = await Promise.all([loadRgb(job.render), loadRgb(job.swatch), job.mask ? loadMask(job.mask) : undefined]);
      const score = scoreSwatch(render, { tile, periodX: job.periodX, periodY: job.periodY }, mask?.data);
      entries.push({ sku: job.sku, colorway: job.colorway, render: job.render, truePeriodX: job.periodX, truePeriodY: job.periodY, ...score });
      progress.update(i + 1, jobs.length, `${job.sku} ${job.colorway}`);
    }
    progress.done(`${entries.length} colorways`);
    const measured = entries.filter((e): e is SwatchEvalEntry & { measured: true } => e.measured);
    const meanSsim = mean(measured.map((e) => e.ssim));
    const meanPeriodErrorPx = mean(measured.map((e) => e.periodErrorPx));
    const report = {
      library: lib.root,
      view,
      entries,
      totals: {
        colorways: entries.length,
        measured: measured.length,
        meanSsim: meanSsim === null ? null : round(meanSsim),
        meanPeriodErrorPx: meanPeriodErrorPx === null ? null : round(meanPeriodErrorPx),
        maxPeriodErrorPx: measured.length ? round(Math.max(...measured.map((e) => e.periodErrorPx))) : null,
      },
    };
    printResult(ctx, report, () =>
      [
        ...entries.map((e) =>
          e.measured
            ? `  ${e.sku} ${e.colorway}: repeat ${e.periodX} x ${e.periodY} px (true ${e.truePeriodX} x ${e.truePeriodY}), SSIM ${e.ssim.toFixed(3)}`
            : `  ${e.sku} ${e.colorway}: not measured: ${e.reason}`,
        ),
        `${measured.length} of ${entries.length} colorways measured: mean SSIM ${meanSsim?.toFixed(3) ?? '-'}, mean period error ${meanPeriodErrorPx?.toFixed(2) ?? '-'} px`,
      ].join('\n'),
    );
    return 0;
  },
};
