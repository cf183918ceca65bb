import { join } from 'node:path';
import type { Library } from '../catalog/library';
import { searchGarments } from '../catalog/queries/garments';
import { listGenerations } from '../catalog/queries/generations';
import type { Generation, GarmentQuery, GarmentSummary, Render } from '../catalog/types';
import type { GenerationParameters } from './metadata/a1111-parameters';
import type { ExportCandidate } from './plan';

export const EXPORT_SOURCES = ['realistic', 'raytrace', 'raster'] as const;
export type ExportSource = (typeof EXPORT_SOURCES)[number];

/** which garments to export: the catalog's search filters, and a colorway (as the studio's library view filters) */
export type ExportSelection = Pick<GarmentQuery, 'category' | 'text' | 'tag' | 'hasGeneration'> & { colorway?: string };

export interface SelectedCandidates {
  candidates: ExportCandidate[];
  /** views with renders but no finished generation (only for the realistic source) */
  missing: { sku: string; colorway: string; view: string; renderIds: number[] }[];
}

const PAGE = 1000;

/** a garment's renders other than photos, grouped by colorway and view, in first-seen order */
export function rendersByView(renders: Render[]): Render[][] {
  const byView = new Map<string, Render[]>();
  for (const r of renders) {
    if (r.kind === 'photo') continue;
    const key = `${r.colorway}\u0000${r.view}`;
    byView.set(key, [...(byView.get(key) ?? []), r]);
  }
  return [...byView.values()];
}

/** every garment the selection matches, all pages */
export function selectGarments(lib: Library, selection: ExportSelection, kind?: 'raster' | 'raytrace'): GarmentSummary[] {
  const { colorway, ...query } = selection;
  const out: GarmentSummary[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = searchGarments(lib, { ...query, kind, orderBy: 'sku', limit: PAGE, offset });
    out.push(...page.garments);
    if (page.garments.length < PAGE || out.length >= page.total) break;
  }
  if (!colorway) return out;
  // a colorway keeps only its renders (names compared case-insensitively, as the studio's filter)
  const want = colorway.toLowerCase();
  return out.map((g) => ({ ...g, renders: g.renders.filter((r) => r.colorway.toLowerCase() === want) })).filter((g) => g.renders.length > 0);
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/**
 * A generation record as A1111 parameters. Values the record lacks take the method's
 * defaults (architecture.md: 50 steps, strength 0.3, guidance 7.5, TAC 0.9), the size the
 * output's.
 */
export function generationParameters(g: Generation, size: { width: number; height: number }): GenerationParameters {
  const p = g.params;
  return {
    prompt: typeof p.prompt === 'string' ? p.prompt : '',
    negativePrompt: typeof p.negative === 'string' ? p.negative : typeof p.negativeEmbedding === 'string' ? p.negativeEmbedding : '',
    steps: num(p.steps, 50),
    sampler: 'DDIM',
    cfgScale: num(p.guidance, 7.5),
    seed: g.seed,
    width: num(p.width, size.width),
    height: num(p.height, size.height),
    model: g.model,
    denoisingStrength: num(p.strength, 0.3),
    extra: { 'TAC ratio': num(p.tacRatio, 0.9), 'R2R generation': g.id },
  };
}

/**
 * The export candidates of a selection. Renders of the asked kind as they are, or for the
 * realistic source the latest finished generation of each garment view (made from any of
 * its renders).
 */
export function selectCandidates(lib: Library, selection: ExportSelection, source: ExportSource): SelectedCandidates {
  const candidates: ExportCandidate[] = [];
  const missing: SelectedCandidates['missing'] = [];
  if (source !== 'realistic') {
    for (const g of selectGarments(lib, selection, source)) {
      for (const r of g.renders) {
        if (r.kind !== source) continue;
        candidates.push({ sku: g.sku, name: g.name, category: g.category, colorway: r.colorway, view: r.view, kind: r.kind, sourcePath: join(lib.root, r.path) });
      }
    }
    return { candidates, missing };
  }
  for (const g of selectGarments(lib, selection)) {
    for (const renders of rendersByView(g.renders)) {
      const { colorway, view } = renders[0]!;
      const done = renders.flatMap((r) => listGenerations(lib, { renderId: r.id, status: 'done' }).map((x) => ({ x, r })));
      const latest = done.filter((d) => d.x.outputPath).sort((a, b) => (a.x.finishedAt ?? '').localeCompare(b.x.finishedAt ?? '') || a.x.id - b.x.id).at(-1);
      if (!latest) {
        missing.push({ sku: g.sku, colorway, view, renderIds: renders.map((r) => r.id) });
        continue;
      }
      candidates.push({
        sku: g.sku,
        name: g.name,
        category: g.category,
        colorway,
        view,
        kind: 'realistic',
        sourcePath: join(lib.root, latest.x.outputPath!),
        generation: generationParameters(latest.x, latest.r),
      });
    }
  }
  return { candidates, missing };
}
