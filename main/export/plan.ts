import type { GenerationParameters } from './metadata/a1111-parameters';
import type { OutfitShot, PlanItem } from './job-store';
import { assignSlots, compareViews, outfitFileName, renderTemplate, resolveCollisions } from './naming';
import { FILE_EXTENSIONS, type ImageFormat, type Preset } from './presets';

/** one image the selection offers for export */
export interface ExportCandidate {
  sku: string;
  name: string;
  category: string;
  colorway: string;
  view: string;
  /** raster | raytrace | realistic */
  kind: string;
  sourcePath: string;
  generation?: GenerationParameters;
  /** an outfit's dressed shot (sku: the combo's slug, kind: dressed); a skipped one has no source */
  outfit?: OutfitShot;
}

/** files the export writes besides the shots; plan names never take them */
export const REPORT_FILES = { json: 'export-report.json', html: 'export-report.html' } as const;

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareCandidates(a: ExportCandidate, b: ExportCandidate): number {
  return compareText(a.sku, b.sku) || compareText(a.colorway, b.colorway) || compareViews(a.view, b.view) || compareText(a.kind, b.kind) || compareText(a.sourcePath, b.sourcePath);
}

/**
 * The export plan: candidates in a fixed order (sku, colorway, view, kind), marketplace slots
 * per SKU, names from the preset's template, collisions resolved in plan order against each
 * other and against `taken` (files already in the out folder). Same input, same plan.
 */
export function buildPlan(candidates: ExportCandidate[], preset: Preset, format: ImageFormat, taken: Iterable<string> = []): PlanItem[] {
  const sorted = candidates.filter((c) => !c.outfit).sort(compareCandidates);
  // outfits follow the garments, in the order they were dressed (combo, then view)
  const outfits = candidates.filter((c) => c.outfit);
  const slots = new Array<string>(sorted.length);
  const bySku = new Map<string, number[]>();
  sorted.forEach((c, i) => bySku.set(c.sku, [...(bySku.get(c.sku) ?? []), i]));
  for (const indices of bySku.values()) {
    const s = assignSlots(indices.map((i) => sorted[i]!.view), preset.naming.slots);
    indices.forEach((i, k) => (slots[i] = s[k]!));
  }
  const ext = FILE_EXTENSIONS[format];
  const names = sorted.map((c, i) =>
    renderTemplate(preset.naming.template, {
      sku: c.sku,
      colorway: c.colorway,
      view: c.view,
      kind: c.kind,
      category: c.category,
      name: c.name,
      slot: slots[i]!,
      index: i + 1,
      ext,
    }),
  );
  // a skipped outfit shot writes no file, so it takes no name
  const written = outfits.filter((c) => c.outfit!.status !== 'skipped');
  const files = resolveCollisions([...names, ...written.map((c) => outfitFileName(c.sku, c.view, ext))], [...taken, ...Object.values(REPORT_FILES)]);
  const outfitFiles = new Map(written.map((c, i) => [c, files[sorted.length + i]!]));
  const all = [...sorted, ...outfits];
  return all.map((c, i) => ({
    index: i,
    key: c.outfit ? `combo/${c.outfit.comboId}/${c.view}` : `${c.sku}/${c.colorway}/${c.view}/${c.kind}`,
    sku: c.sku,
    colorway: c.colorway,
    view: c.view,
    kind: c.kind,
    category: c.category,
    sourcePath: c.sourcePath,
    ...(c.generation ? { generation: c.generation } : {}),
    ...(c.outfit ? { outfit: c.outfit } : {}),
    file: c.outfit ? (outfitFiles.get(c) ?? '') : files[i]!,
  }));
}
