import { basename, extname } from 'node:path';
import { UserError } from '../common/errors';
import { GENERATION_DEFAULTS } from '../inference/generation-defaults';
import { planFit } from '../inference/image/fit';
import { downsampleMask, fitMaskToModel, readMask } from '../inference/image/mask';
import { readSourceImage, type SourceImage } from '../inference/image/source-image';
import { checkPngOutputPath } from '../inference/image/write-png';
import { dressGrid, runDress } from '../inference/pipelines/dress';
import type { Preview } from '../inference/pipelines/latent-preview';
import { loadR2RModel, type LoadedModel } from '../inference/pipelines/load-r2r-model';
import { DEFAULT_R2R_PARAMS, type R2RParams, type R2RStepEvent } from '../inference/pipelines/r2r';
import { stepCounts } from '../../preload/api/step-counts';
import { checkRole, layoutGarments, regionPlanes, type CanvasBox, type GarmentRole } from './outfit-layout';

export { GARMENT_ROLES, type CanvasBox, type GarmentRole } from './outfit-layout';

export interface DressGarment {
  /** the garment's image (PNG) */
  image: string;
  role: GarmentRole;
  /** how strongly the garment's features act in its region, 0..1 (default 1) */
  fidelity?: number;
  /** where the garment is worn; default from the auto layout by role */
  region?: CanvasBox;
  /** a region mask PNG (white = the garment's region) instead of a box: drawn on the render, or on the canvas without one */
  mask?: string;
  name?: string;
}

export interface DressShotRequest {
  modelDir: string;
  garments: DressGarment[];
  prompt: string;
  negative?: string;
  /** an outfit render to translate (R2R with texture lock in each garment's region) instead of text-to-image */
  render?: string;
  output: string;
  width?: number;
  height?: number;
  steps?: number;
  /** with a render: the fraction of the schedule regenerated */
  strength?: number;
  seed?: number;
  provider?: string;
  cacheDir?: string;
}

export interface DressShotReport {
  regions: { name: string; role: string; box: CanvasBox; mask?: string }[];
  /** sum of UNet batch rows over the shot */
  sampleEvaluations: number;
  /** what one plain shot per garment would cost with the same settings */
  separateShotsSampleEvaluations: number;
  unetCalls: number;
  /** batch rows of each generation call: the generated rows plus one per garment */
  rowsPerCall: number;
  ms: number;
  mode: 'txt2img' | 'render';
  width: number;
  height: number;
  steps: number;
  seed: number;
  provider: string;
}

export interface DressShotOptions {
  signal?: AbortSignal;
  onStep?: (e: R2RStepEvent) => void;
  onProgress?: (label: string) => void;
  onPreview?: (p: Preview, step: number, total: number) => void;
  /** a model loaded by loadDressModel for a batch of shots: used as is and left loaded */
  loaded?: LoadedModel;
}

export interface DressShotResult {
  output: string;
  report: DressShotReport;
}

/**
 * Sample-evaluations (UNet batch rows) of one dressed shot: the inversion runs the render (if
 * any) and every garment in one batch per step; generation runs [reference while TAC,
 * negative, conditional, garments...]. One separate shot per garment is `garments` times the
 * cost with one garment.
 */
export function dressSampleEvaluations(k: number, tacSteps: number, garments: number, render: boolean): number {
  const inverted = garments + (render ? 1 : 0);
  return (inverted > 0 ? k * inverted : 0) + tacSteps * (3 + garments) + (k - tacSteps) * (2 + garments);
}

/** the model with reference attention (its own adapted copy), as a dressed shot needs it */
export function loadDressModel(modelDir: string, opts: { provider?: string; cacheDir?: string; signal?: AbortSignal; onProgress?: (label: string) => void } = {}): Promise<LoadedModel> {
  return loadR2RModel(modelDir, { provider: opts.provider, cacheDir: opts.cacheDir, referenceAttention: true, onProgress: opts.onProgress, signal: opts.signal });
}

function garmentName(g: DressGarment): string {
  return g.name ?? basename(g.image, extname(g.image));
}

/**
 * One dressed shot from files: checks every input first (output path, garment images, roles,
 * regions, masks, render), loads the model with reference attention (its own adapted copy),
 * dresses the garments in their regions and writes the PNG atomically, with a report of the
 * regions and the costs.
 */
export async function makeDressShot(req: DressShotRequest, opts: DressShotOptions = {}): Promise<DressShotResult> {
  const t0 = performance.now();
  await checkPngOutputPath(req.output);
  if (req.garments.length === 0) throw new UserError('bad-option', 'an outfit needs at least one garment', 'Give --garment <png> once per garment.');
  if (req.prompt.trim() === '' && !req.render) throw new UserError('bad-option', 'a dressed shot without a render needs a prompt (the person, pose and background)');
  const images: SourceImage[] = [];
  for (const [i, g] of req.garments.entries()) {
    checkRole(g.role, `garment ${i + 1}`);
    if (g.fidelity !== undefined && !(g.fidelity >= 0 && g.fidelity <= 1)) throw new UserError('bad-option', `garment ${i + 1}: fidelity must be from 0 to 1, got ${g.fidelity}`);
    images.push(await readSourceImage(g.image, undefined, `garment ${i + 1}`));
  }
  const placed = layoutGarments(req.garments.map((g) => ({ role: g.role, region: g.region, name: garmentName(g) })));
  const render = req.render ? await readSourceImage(req.render, undefined, 'outfit render') : undefined;
  const params: R2RParams = {
    ...DEFAULT_R2R_PARAMS,
    prompt: req.prompt,
    negative: req.negative ?? '',
    steps: req.steps ?? GENERATION_DEFAULTS.steps,
    strength: req.strength ?? (render ? 0.6 : 1),
    seed: req.seed ?? 1,
    width: req.width,
    height: req.height,
  };
  if (!Number.isInteger(params.steps) || params.steps < 1 || params.steps > 1000) throw new UserError('bad-option', `steps must be a whole number from 1 to 1000, got ${params.steps}`);
  if (render && !(params.strength > 0 && params.strength <= 1)) throw new UserError('bad-option', `strength must be in (0, 1], got ${params.strength}`);
  if (!render && req.strength !== undefined && req.strength !== 1) throw new UserError('bad-option', `strength ${req.strength} needs --render: text-to-image runs every step`, 'Give an outfit render to translate, or leave out --strength.');
  const loaded = opts.loaded ?? (await loadDressModel(req.modelDir, { provider: req.provider, cacheDir: req.cacheDir, onProgress: opts.onProgress, signal: opts.signal }));
  try {
    const model = loaded.model;
    const grid = dressGrid(model, params, render);
    const sources: ({ box: CanvasBox } | { mask: Float32Array })[] = [];
    for (const [i, g] of req.garments.entries()) {
      if (!g.mask) sources.push({ box: placed[i]!.box });
      else if (!render) sources.push({ mask: downsampleMask(await readMask(g.mask, grid.width, grid.height, `garment ${i + 1} mask`), model.vaeFactor).data });
      else {
        // a mask of a render is drawn on the render: fitted onto the canvas as the render is
        const mask = await readMask(g.mask, render.width, render.height, `garment ${i + 1} mask`);
        sources.push({ mask: downsampleMask(await fitMaskToModel(mask, planFit(render.width, render.height, grid.width, grid.height)), model.vaeFactor).data });
      }
    }
    const planes = regionPlanes(sources, grid.latentWidth, grid.latentHeight);
    opts.onProgress?.('dressing');
    const res = await runDress(
      model,
      loaded.scheduler,
      { garments: req.garments.map((g, i) => ({ image: images[i]!, region: planes[i]!, weight: g.fidelity ?? 1 })), render },
      params,
      {
        signal: opts.signal,
        outputPath: req.output,
        onStep: (e) => {
          opts.onStep?.(e);
          if (e.preview) opts.onPreview?.(e.preview, e.step, e.total);
        },
      },
    );
    const { k, tacSteps } = render ? stepCounts(params.steps, params.strength, params.tacRatio) : { k: params.steps, tacSteps: 0 };
    const report: DressShotReport = {
      regions: placed.map((p, i) => ({ name: p.name, role: p.role as GarmentRole, box: p.box, ...(req.garments[i]!.mask ? { mask: req.garments[i]!.mask } : {}) })),
      sampleEvaluations: res.sampleEvaluations,
      separateShotsSampleEvaluations: req.garments.length * dressSampleEvaluations(k, tacSteps, 1, render !== undefined),
      unetCalls: res.unetCalls.length,
      rowsPerCall: res.rowsPerCall,
      ms: performance.now() - t0,
      mode: res.mode,
      width: res.width,
      height: res.height,
      steps: params.steps,
      seed: params.seed,
      provider: res.provider,
    };
    return { output: req.output, report };
  } finally {
    if (!opts.loaded) await loaded.model.dispose();
  }
}
