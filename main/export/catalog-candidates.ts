import { basename, join } from 'node:path';
import type { Library } from '../catalog/library';
import { getCombo, listCombos } from '../catalog/queries/combos';
import { UserError } from '../common/errors';
import { searchGarments } from '../catalog/queries/garments';
import { lastChosenAmong } from '../catalog/queries/chosen-shots';
import { listGenerations } from '../catalog/queries/generations';
import type { Generation, GarmentQuery, GarmentSummary, Render } from '../catalog/types';
import type { GenerationParameters } from './metadata/a1111-parameters';
import type { ExportCandidate } from './plan';

export const EXPORT_SOURCES = ['realistic', 'raytrace', 'raster'] as const;
export type ExportSource = (typeof EXPORT_SOURCES)[number];

/**
 * which garments to export: the catalog's search filters, and a colorway (as the studio's
 * library view filters), or an outfit (combo id): its garments only, each in the colorway the
 * outfit names (all its colorways when it names none)
 */
export type ExportSelection = Pick<GarmentQuery, 'category' | 'text' | 'tag' | 'hasGeneration'> & { colorway?: string; combo?: number };

export interface SelectedCandidates {
  candidates: ExportCandidate[];
  /** views with renders but no finished generation (only for the realistic source) */
  missing: { sku: string; colorway: string; view: string; renderIds: number[] }[];
}

const PAGE = 1000;

/** `--combo 3` or `--combo "Autumn look"`: the id of the outfit (a name case-insensitively when no exact match) */
export function comboIdFor(lib: Library, idOrName: string): number {
  const all = listCombos(lib);
  const text = idOrName.trim();
  if (/^\d+$/.test(text)) return getCombo(lib, Number(text)).id;
  const exact = all.filter((c) => c.name === text);
  const found = exact.length ? exact : all.filter((c) => c.name.toLowerCase() === text.toLowerCase());
  if (found.length === 1) return found[0]!.id;
  const names = all.map((c) => `#${c.id} ${c.name}`).join(', ');
  if (found.length > 1) {
    throw new UserError('ambiguous-combo', `${found.length} outfits in ${lib.root} are named '${text}'`, `Give the outfit's id instead: ${found.map((c) => `#${c.id}`).join(', ')}.`);
  }
  throw new UserError('unknown-combo', `no outfit named '${text}' in ${lib.root}`, all.length ? `The outfits are: ${names}.` : 'Build one in the studio\'s Combos view first.');
}

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
  const { colorway, combo, ...query } = selection;
  // an unknown combo is a UserError before any search
  const outfit = combo === undefined ? undefined : new Map(getCombo(lib, combo).items.map((i) => [i.garmentId, i.colorwayId]));
  let out: GarmentSummary[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = searchGarments(lib, { ...query, kind, orderBy: 'sku', limit: PAGE, offset });
    out.push(...page.garments);
    if (page.garments.length < PAGE || out.length >= page.total) break;
  }
  if (outfit) {
    out = out
      .filter((g) => outfit.has(g.id))
      .map((g) => {
        const cw = outfit.get(g.id);
        return cw == null ? g : { ...g, renders: g.renders.filter((r) => r.colorwayId === cw) };
      })
      .filter((g) => g.renders.length > 0);
  }
  if (!colorway) return out;
  // a colorway keeps only its renders (names compared case-insensitively, as the studio's filter)
  const want = colorway.toLowerCase();
  return out.map((g) => ({ ...g, renders: g.renders.filter((r) => r.colorway.toLowerCase() === want) })).filter((g) => g.renders.length > 0);
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** the negative prompt as A1111 writes it: the text, or the embedding's file name (never a path) */
function negativePromptOf(p: Record<string, unknown>): string {
  const n = p.negative as { kind?: unknown; text?: unknown; path?: unknown } | string | undefined;
  if (typeof n === 'string') return n;
  if (n?.kind === 'prompt' && typeof n.text === 'string') return n.text;
  if (n?.kind === 'embedding' && typeof n.path === 'string' && n.path) return basename(n.path);
  // records from before the shot service named the export's embedding file apart
  return typeof p.negativeEmbedding === 'string' ? p.negativeEmbedding : '';
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
    negativePrompt: negativePromptOf(p),
    steps: num(p.steps, 50),
    sampler: 'DDIM',
    cfgScale: num(p.guidance, 7.5),
    seed: g.seed,
    width: num(p.width, size.width),
    height: num(p.height, size.height),
    // the model's name: a recorded folder path stays out of the published file
    model: basename(g.model),
    denoisingStrength: num(p.strength, 0.3),
    // records from before the inversion order was recorded were made with the ascending (ddim) order
    inversion: p.inversion === 'official' || p.inversion === 'ddim' ? p.inversion : 'ddim',
    extra: { 'TAC ratio': num(p.tacRatio, 0.9), 'R2R generation': g.id },
  };
}

/** which shot of a view the realistic source exports: the one the artist chose, or the newest */
export type ShotPreference = 'chosen' | 'latest';

/**
 * The export candidates of a selection. Renders of the asked kind as they are, or for the
 * realistic source one finished generation of each garment view (made from any of its
 * renders): the shot the artist chose for one of them (the most recently chosen), else the
 * latest. `latest` skips the choice: an export that just made a new shot of every view
 * exports those.
 */
export function selectCandidates(lib: Library, selection: ExportSelection, source: ExportSource, prefer: ShotPreference = 'chosen'): SelectedCandidates {
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
      const withImage = done.filter((d) => d.x.outputPath);
      const chosenId = prefer === 'chosen' ? lastChosenAmong(lib, withImage.map((d) => d.x.id)) : undefined;
      const chosen = withImage.find((d) => d.x.id === chosenId);
      const latest = chosen ?? withImage.sort((a, b) => (a.x.finishedAt ?? '').localeCompare(b.x.finishedAt ?? '') || a.x.id - b.x.id).at(-1);
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
