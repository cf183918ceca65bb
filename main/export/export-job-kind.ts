import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { ExportJobParamsRecord, ExportJobResultRecord } from '../../preload/api/export-types';
import { appVersion } from '../common/version';
import { defineJobKind, JobCancelledError } from '../jobs/kind';
import { remoteProgress } from '../remote/queue-progress';
import { requireRemoteUrl } from '../remote/remote-settings';

const absolute = (what: string) => z.string().min(1).max(4096).refine(isAbsolute, `${what} must be an absolute path`);
const side = z.number().int().min(32).max(4096).multipleOf(8);

export const exportJobParams = z
  .object({
    library: absolute('the library folder'),
    outDir: absolute('the out folder'),
    preset: z.string().min(1).max(4096),
    format: z.enum(['jpeg', 'png', 'webp']).optional(),
    size: z.number().int().min(16).max(16384).optional(),
    source: z.enum(['realistic', 'raytrace', 'raster']),
    selection: z
      .object({
        category: z.string().max(200).optional(),
        colorway: z.string().max(200).optional(),
        text: z.string().max(500).optional(),
        tag: z.string().max(200).optional(),
        hasGeneration: z.boolean().optional(),
        combo: z.number().int().positive().optional(),
      })
      .strict(),
    generate: z.enum(['none', 'missing', 'all']).optional(),
    model: absolute('the model folder').optional(),
    genWidth: side.optional(),
    genHeight: side.optional(),
    genSide: side.optional(),
    steps: z.number().int().min(1).max(1000).optional(),
    remoteWorkers: z.boolean().optional(),
    outfits: z.boolean().optional(),
    combos: z.array(z.number().int().positive()).min(1).max(10_000).optional(),
    redress: z.boolean().optional(),
    outfitPrompt: z.string().trim().min(1).max(2000).optional(),
    outfitSeed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if ((p.generate ?? 'none') === 'none') return;
    if (!p.model) ctx.addIssue({ code: 'custom', path: ['model'], message: `generating ${p.generate} shots needs a model folder` });
    if (p.source !== 'realistic') ctx.addIssue({ code: 'custom', path: ['source'], message: 'generated shots are exported as the realistic source' });
  })
  .superRefine((p, ctx) => {
    if (p.outfits) {
      if ((p.generate ?? 'none') !== 'none') ctx.addIssue({ code: 'custom', path: ['generate'], message: 'an outfits export dresses combos; it does not generate garment shots' });
      return;
    }
    if (p.combos) ctx.addIssue({ code: 'custom', path: ['combos'], message: 'combos go with outfits: true' });
    if (p.redress) ctx.addIssue({ code: 'custom', path: ['redress'], message: 'redress goes with outfits: true' });
    if (p.outfitPrompt !== undefined) ctx.addIssue({ code: 'custom', path: ['outfitPrompt'], message: 'outfitPrompt goes with outfits: true' });
    if (p.outfitSeed !== undefined) ctx.addIssue({ code: 'custom', path: ['outfitSeed'], message: 'outfitSeed goes with outfits: true' });
  })
  .refine((p) => !p.remoteWorkers || (p.generate ?? 'none') !== 'none', { path: ['remoteWorkers'], message: 'remote workers make generated shots: choose generate missing or all' }) satisfies z.ZodType<ExportJobParamsRecord>;

/**
 * `r2r export` as a studio job: the same resumable export (and generation of missing shots),
 * run in the job worker with progress and cancel. Submitting the same parameters again
 * resumes a cancelled or interrupted export.
 */
export const exportJob = defineJobKind({
  name: 'export',
  summary: 'export catalog shots with a marketplace preset (resumable)',
  params: exportJobParams,
  async run(params, ctx): Promise<ExportJobResultRecord> {
    const { exportFromLibrary } = await import('./library-export');
    const generate = params.generate ?? 'none';
    const queue = params.remoteWorkers ? requireRemoteUrl() : undefined;
    // a status line (loading, generating X) keeps the bar where the last count left it
    let bar = { step: 0, total: 1 };
    const report = (step: number, total: number, message: string) => {
      bar = { step, total };
      ctx.progress({ step, total, message });
    };
    const res = await exportFromLibrary(
      {
        library: params.library,
        outDir: params.outDir,
        preset: params.preset,
        format: params.format,
        size: params.size,
        source: params.source,
        selection: params.selection,
        generate,
        generation:
          generate === 'none'
            ? undefined
            : {
                modelDir: params.model!,
                ...(params.genWidth ? { width: params.genWidth } : {}),
                ...(params.genHeight ? { height: params.genHeight } : {}),
                ...(params.genSide && !params.genWidth && !params.genHeight ? { maxSide: params.genSide } : {}),
                ...(params.steps ? { steps: params.steps } : {}),
                ...(queue ? { queue } : {}),
              },
        ...(params.outfits
          ? {
              outfits: {
                ...(params.combos ? { combos: params.combos } : {}),
                ...(params.redress ? { redress: true } : {}),
                ...(params.model ? { model: params.model } : {}),
                ...(params.genWidth ? { width: params.genWidth } : {}),
                ...(params.genHeight ? { height: params.genHeight } : {}),
                ...(params.steps ? { steps: params.steps } : {}),
                ...(params.outfitPrompt !== undefined ? { prompt: params.outfitPrompt } : {}),
                ...(params.outfitSeed !== undefined ? { seed: params.outfitSeed } : {}),
              },
            }
          : {}),
        creatorTool: `R2R Studio ${appVersion()}`,
        // sharp encodes on its own threads; render worker threads would need their own entry in the bundled app
        threads: 'inline',
      },
      {
        signal: ctx.signal,
        onStatus: (label) => ctx.progress({ ...bar, message: label }),
        onWorkers: (workers, remaining) => ctx.progress({ ...bar, message: `${remaining} shot(s) on ${workers.length} remote worker(s)`, remote: remoteProgress(workers, remaining) }),
        onGeneratePlan: (p) => report(0, Math.max(1, p.total), `generating ${p.total} shot(s)`),
        onOutfitPlan: (p) => report(0, Math.max(1, p.total), `${p.total} outfit shot(s), ${p.toDress} to dress`),
        onOutfit: (p) => report(p.done, p.total, `${p.item.status} ${p.item.combo}${p.item.view ? ` ${p.item.view}` : ''}${p.item.error ? `: ${p.item.error}` : ''}`),
        onGenerate: (p) => report(p.done, p.total, `generated ${p.item.sku} ${p.item.colorway} ${p.item.view}${p.failed ? ` (${p.failed} failed)` : ''}`),
        onPlan: (p) => report(p.alreadyDone, p.total, p.resumed ? `resuming: ${p.alreadyDone} done earlier` : 'exporting'),
        onProgress: (p) => report(p.finished, p.total, p.item.status === 'failed' ? `failed: ${p.item.file}` : p.item.file),
      },
    );
    if (res.cancelled) throw new JobCancelledError();
    return {
      jobId: res.jobId,
      resumed: res.resumed,
      total: res.total,
      done: res.done,
      failed: res.failed,
      alreadyDone: res.alreadyDone,
      missing: res.missing,
      outDir: res.outDir,
      ...(res.report ? { report: res.report } : {}),
      ...(res.outfits ? { outfits: { planned: res.outfits.planned, dressed: res.outfits.dressed, reused: res.outfits.reused, skipped: res.outfits.skipped, sampleEvaluations: res.outfits.sampleEvaluations } } : {}),
      ...(res.generation ? { generation: { planned: res.generation.planned, generated: res.generation.generated, failed: res.generation.failed, alreadyGenerated: res.generation.alreadyGenerated } } : {}),
    };
  },
});
