import { basename, join } from 'node:path';
import type { Library } from '../catalog/library';
import { getCombo, listCombos } from '../catalog/queries/combos';
import { listComboRenders } from '../catalog/queries/combo-renders';
import { listGenerations } from '../catalog/queries/generations';
import type { Combo, Generation } from '../catalog/types';
import { slugify } from '../catalog/vocabulary';
import { UserError } from '../common/errors';
import type { LoadedModel } from '../inference/pipelines/load-r2r-model';
import { settleOrphans } from '../shots/ownership';
import { DRESS_ROLES, OUTFIT_PROMPT, type ComboRenderRecord } from '../../preload/api/outfit-types';
import { EXPORT_JOB_PARAM } from './generate-shots';
import type { OutfitShot } from './job-store';
import type { GenerationParameters } from './metadata/a1111-parameters';
import { compareViews } from './naming';
import type { ExportCandidate } from './plan';


/** how an outfits export dresses the combo views that have no dressed shot (part of the job's identity) */
export interface OutfitSettings {
  /** the combos to dress; absent: every combo of the library */
  combos?: number[];
  /** dress every view anew instead of exporting the latest dressed shot */
  redress?: boolean;
  /** model folder; needed only when a view must be dressed */
  model?: string;
  prompt?: string;
  steps?: number;
  seed?: number;
  width?: number;
  height?: number;
  provider?: string;
  cacheDir?: string;
}

export interface OutfitProgress {
  done: number;
  total: number;
  item: OutfitShot;
}

export interface OutfitSummary {
  /** combo views planned, skipped ones included */
  planned: number;
  dressed: number;
  reused: number;
  skipped: number;
  /** spent by this export (dressed shots only) */
  sampleEvaluations: number;
  cancelled: boolean;
}

interface OutfitView {
  combo: Combo;
  view: string;
  /** the combo's own render of the view, translated instead of text-to-image */
  render?: ComboRenderRecord;
  problem?: string;
}

const isDressed = (role: string) => (DRESS_ROLES as readonly string[]).includes(role);
const KIND_ORDER = ['raytrace', 'raster', 'photo'];

/** the views a garment (in the combo's colorway, or any) has renders in */
function garmentViews(lib: Library, garmentId: number, colorwayId: number | null): Set<string> {
  const rows = lib
    .sql<[number, number | null, number | null], { view: string }>(
      `SELECT DISTINCT v.slug AS view FROM renders r JOIN colorways c ON c.id = r.colorway_id JOIN views v ON v.id = r.view_id
       WHERE c.garment_id = ? AND (? IS NULL OR c.id = ?)`,
    )
    .all(garmentId, colorwayId, colorwayId);
  return new Set(rows.map((r) => r.view));
}

/**
 * The views an outfits export shoots a combo in: the views of the combo's own (outfit)
 * renders when it has any, else the views every dressed garment has a render in. A combo
 * without a garment to dress, and a view a garment has no render of, become skipped views
 * with the reason.
 */
export function outfitViews(lib: Library, combo: Combo): OutfitView[] {
  const dressed = combo.items.filter((i) => isDressed(i.role));
  if (combo.items.length === 0) return [{ combo, view: '', problem: 'the combo has no garments' }];
  if (dressed.length === 0) return [{ combo, view: '', problem: `the combo has no garment to dress (roles: ${DRESS_ROLES.join(', ')})` }];
  const views = dressed.map((i) => ({ sku: i.sku, views: garmentViews(lib, i.garmentId, i.colorwayId) }));
  const renders = listComboRenders(lib, combo.id);
  const wanted = renders.length
    ? [...new Set(renders.map((r) => r.view))]
    : [...views[0]!.views].filter((v) => views.every((g) => g.views.has(v)));
  if (wanted.length === 0) {
    return [{ combo, view: '', problem: `its garments share no view (${views.map((g) => `${g.sku}: ${[...g.views].join(', ') || 'no renders'}`).join('; ')})` }];
  }
  return wanted.sort(compareViews).map((view) => {
    const lacking = views.filter((g) => !g.views.has(view)).map((g) => g.sku);
    const render = renders.filter((r) => r.view === view).sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind))[0];
    return {
      combo,
      view,
      ...(render ? { render } : {}),
      ...(lacking.length ? { problem: `garment ${lacking.join(', ')} has no render in view ${view}` } : {}),
    };
  });
}

/** the combo's latest finished dressed shot of a view (of this export job only, when given) */
export function latestDressed(lib: Library, comboId: number, view: string, jobTag?: string): Generation | undefined {
  return listGenerations(lib, { comboId, status: 'done' })
    .filter((g) => g.params.kind === 'dress' && (g.params.view ?? 'front') === view && g.outputPath && (jobTag === undefined || g.params[EXPORT_JOB_PARAM] === jobTag))
    .sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? '') || a.id - b.id)
    .at(-1);
}

/** the combo's name as a file name stem; a name without letters or digits keeps its id */
export function comboSlug(combo: { id: number; name: string }): string {
  return slugify(combo.name) || `combo-${combo.id}`;
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function dressParameters(g: Generation, report: Record<string, unknown>): GenerationParameters {
  const p = g.params;
  return {
    prompt: typeof p.prompt === 'string' ? p.prompt : '',
    negativePrompt: typeof p.negative === 'string' ? p.negative : '',
    steps: num(p.steps, 20),
    sampler: 'DDIM',
    cfgScale: 7.5,
    seed: g.seed,
    width: num(report.width, num(p.width, 0)),
    height: num(report.height, num(p.height, 0)),
    model: basename(g.model),
    // text-to-image runs the whole schedule
    denoisingStrength: num(p.strength, 1),
    extra: { 'R2R dress': g.id },
  };
}

function candidate(lib: Library, v: OutfitView, shot: OutfitShot, g?: Generation): ExportCandidate {
  const report = (g?.metrics?.dress as Record<string, unknown> | undefined) ?? {};
  return {
    sku: comboSlug(v.combo),
    name: v.combo.name,
    category: 'outfit',
    colorway: '',
    view: v.view,
    kind: 'dressed',
    sourcePath: g?.outputPath ? join(lib.root, g.outputPath) : '',
    ...(g ? { generation: dressParameters(g, report) } : {}),
    outfit: shot,
  };
}

/**
 * The dressed shots of an outfits export, one per combo and view: the latest finished dress
 * generation of the view (with `redress`, only one this export job made), else dressed now
 * the way the Combos view's Dress does and recorded as a generation tagged with the job.
 * The model loads once, only when something is dressed. A skipped view keeps its reason and
 * the others go on; a cancel stops between shots and inside one.
 */
export async function outfitCandidates(opts: {
  lib: Library;
  settings: OutfitSettings;
  jobTag: string;
  signal?: AbortSignal;
  onPlan?: (info: { total: number; toDress: number }) => void;
  onProgress?: (p: OutfitProgress) => void;
  onStatus?: (label: string) => void;
}): Promise<{ candidates: ExportCandidate[]; summary: OutfitSummary }> {
  const { lib, settings, jobTag } = opts;
  settleOrphans(lib);
  const combos = settings.combos?.length ? settings.combos.map((id) => getCombo(lib, id)) : listCombos(lib);
  if (combos.length === 0) throw new UserError('nothing-to-export', `${lib.root} has no outfits (combos) to dress`, "Build one in the studio's Combos view first.");
  const views = combos.flatMap((c) => outfitViews(lib, c));
  const found = views.map((v) => (v.problem ? undefined : latestDressed(lib, v.combo.id, v.view, settings.redress ? jobTag : undefined)));
  const toDress = views.filter((v, i) => !v.problem && !found[i]).length;
  if (toDress > 0 && !settings.model) {
    throw new UserError('bad-option', `${toDress} combo view(s) have no dressed shot yet and dressing them needs a model folder`, 'Give --model <dir> (a Stable Diffusion ONNX folder, e.g. one written by `r2r demo-model`), or dress them in the Combos view first.');
  }
  opts.onPlan?.({ total: views.length, toDress });
  const summary: OutfitSummary = { planned: views.length, dressed: 0, reused: 0, skipped: 0, sampleEvaluations: 0, cancelled: false };
  const candidates: ExportCandidate[] = [];
  let loaded: LoadedModel | undefined;
  const report = (v: OutfitView, shot: OutfitShot, g?: Generation) => {
    candidates.push(candidate(lib, v, shot, g));
    opts.onProgress?.({ done: candidates.length, total: views.length, item: shot });
  };
  try {
    for (const [i, v] of views.entries()) {
      if (opts.signal?.aborted) break;
      const base = { comboId: v.combo.id, combo: v.combo.name, view: v.view };
      if (v.problem) {
        summary.skipped++;
        report(v, { ...base, status: 'skipped', error: v.problem });
        continue;
      }
      const had = found[i];
      if (had) {
        summary.reused++;
        report(v, { ...base, status: 'reused', generationId: had.id, sampleEvaluations: num((had.metrics?.dress as Record<string, unknown> | undefined)?.sampleEvaluations, 0) }, had);
        continue;
      }
      // the engine (onnxruntime) loads only when something is dressed, and once for the batch
      const { dressCombo } = await import('../jobs/combo-dress');
      if (!loaded) {
        const { loadDressModel } = await import('../shots/dress-shot');
        opts.onStatus?.('loading the model');
        loaded = await loadDressModel(settings.model!, { provider: settings.provider, cacheDir: settings.cacheDir, signal: opts.signal, onProgress: opts.onStatus });
      }
      opts.onStatus?.(`dressing ${v.combo.name} ${v.view}`);
      try {
        const { generation, report: shot } = await dressCombo(
          lib,
          {
            library: lib.root,
            comboId: v.combo.id,
            model: settings.model!,
            prompt: settings.prompt ?? OUTFIT_PROMPT,
            view: v.view,
            ...(v.render ? { renderId: v.render.id } : {}),
            seed: settings.seed ?? 1,
            ...(settings.steps !== undefined ? { steps: settings.steps } : {}),
            ...(settings.width !== undefined ? { width: settings.width } : {}),
            ...(settings.height !== undefined ? { height: settings.height } : {}),
            ...(settings.provider !== undefined ? { provider: settings.provider } : {}),
          },
          { signal: opts.signal, onProgress: opts.onStatus, loaded, tag: { [EXPORT_JOB_PARAM]: jobTag } },
        );
        summary.dressed++;
        summary.sampleEvaluations += shot.sampleEvaluations;
        report(v, { ...base, status: 'dressed', generationId: generation.id, sampleEvaluations: shot.sampleEvaluations }, generation);
      } catch (err) {
        if (opts.signal?.aborted) break;
        summary.skipped++;
        report(v, { ...base, status: 'skipped', error: (err as Error).message });
      }
    }
  } finally {
    await loaded?.model.dispose();
  }
  summary.cancelled = Boolean(opts.signal?.aborted);
  return { candidates, summary };
}
