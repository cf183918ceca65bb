import type { SweepJobResult } from '../../../preload/api/generation-types';
import { UserError } from '../../common/errors';
import type { R2RStepEvent } from '../../inference/pipelines/r2r';
import { defineJobKind, throwIfCancelled } from '../kind';
import { costRequestOfJob, ShotWork, WorkMeter } from '../work-progress';
import { settingsOfJob, sweepParamsSchema, tagOfJob, usedSteps, type SweepCell } from './generate-params';

/** the cells in the order they run: by strength, so each strength's inversion is computed once and reused */
export function sweepOrder(grid: readonly SweepCell[]): SweepCell[] {
  const seen = new Set<string>();
  const unique = grid.filter((c) => {
    const key = `${c.strength}/${c.tacRatio}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => a.strength - b.strength || a.tacRatio - b.tacRatio);
}

export interface SweepCellResult {
  tacRatio: number;
  strength: number;
  output: string;
  outputPath: string;
  generationId: number;
  inversionCached: boolean;
}

/**
 * The studio's Sweep button: one shot-service generation per cell of a TAC ratio x strength grid (the
 * FashionR2R paper's figure), the model loaded once and each strength's inversion reused by
 * the cells that share it. Returns the contact sheet's cells.
 */
export const sweepJob = defineJobKind({
  name: 'sweep',
  summary: 'render a grid over TAC ratio x strength as a contact sheet',
  params: sweepParamsSchema,
  async run(p, ctx): Promise<SweepJobResult & { cells: SweepCellResult[] }> {
    const cells = sweepOrder(p.grid);
    const empty = cells.find((c) => usedSteps(p.steps, c.strength) < 1);
    if (empty) throw new UserError('bad-option', `sweep strength ${empty.strength} with ${p.steps} steps leaves no step to run (steps x strength < 1)`, 'Raise the steps or drop that strength from the sweep grid.');
    const [{ openLibrary }, { makeLibraryShot, modelFor }, { previewDataUrl }, { libraryShotCosts }] = await Promise.all([
      import('../../catalog/index'),
      import('../../shots/index'),
      import('../../inference/pipelines/preview-png'),
      import('../../shots/shot-estimate'),
    ]);
    // progress counts each strength's inversion once and every cell's generation steps
    const firstOfStrength = cells.map((c, i) => i === 0 || cells[i - 1]!.strength !== c.strength);
    const planned = cells.map((c, i) => usedSteps(p.steps, c.strength) * (firstOfStrength[i] ? 2 : 1));
    const total = planned.reduce((a, b) => a + b, 0);
    ctx.progress({ step: 0, total, message: 'loading the model' });
    const lib = openLibrary(p.library);
    try {
      const settings = settingsOfJob(p);
      // each cell's work in estimated seconds (sweepOrder's order), its inversion counted where the sweep computes it
      const works = (() => {
        try {
          return libraryShotCosts(lib, { ...costRequestOfJob(p), grid: cells }, 'cpu').map((c) => new ShotWork(c));
        } catch {
          return undefined;
        }
      })();
      await modelFor(settings, ctx.signal, (label) => ctx.progress({ step: 0, total, message: label }));
      const sum = (ws: ShotWork[]) => ws.reduce((a, w) => a + w.total, 0);
      const meter = works ? new WorkMeter(sum(works)) : undefined;
      const workAt = (i: number, within: number) => {
        if (!works || !meter) return {};
        meter.setTotal(sum(works));
        return meter.progress(sum(works.slice(0, i)) + within);
      };
      const out: SweepCellResult[] = [];
      let base = 0;
      for (const [i, cell] of cells.entries()) {
        throwIfCancelled(ctx.signal);
        const invPlanned = firstOfStrength[i] ? usedSteps(p.steps, cell.strength) : 0;
        const label = `cell ${i + 1}/${cells.length} (TAC ${cell.tacRatio}, strength ${cell.strength})`;
        const onStep = (e: R2RStepEvent) => {
          const within = e.stage === 'inversion' ? Math.min(e.step, invPlanned) : invPlanned + e.step;
          const work = workAt(i, works?.[i]!.doneAfter(e) ?? 0);
          ctx.progress({ step: base + within, total, message: `${label}: ${e.stage} ${e.step}/${e.total}`, ...work, ...(e.preview ? { preview: previewDataUrl(e.preview) } : {}) });
        };
        const res = await makeLibraryShot(lib, { renderId: p.renderId, settings: { ...settings, strength: cell.strength, tacRatio: cell.tacRatio }, tag: tagOfJob(p) }, { signal: ctx.signal, onStep });
        base += planned[i]!;
        out.push({ tacRatio: cell.tacRatio, strength: cell.strength, output: res.output, outputPath: res.outputPath, generationId: res.generationId, inversionCached: res.inversionCached });
        ctx.progress({ step: base, total, message: `${label}: done`, ...workAt(i + 1, 0) });
      }
      return { cells: out };
    } finally {
      lib.close();
    }
  },
});
