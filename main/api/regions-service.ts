import sharp from 'sharp';
import type { RegionsService } from '../../preload/api/contract';
import { REGION_ROLES, type GenerationRegionsRecord, type RegionCostRecord, type RegionPreset, type RenderRegionsRecord } from '../../preload/api/region-types';
import { assetFile, getGeneration, getMask, type Library } from '../catalog/index';
import { deleteRegionPreset, getRenderLabels, listRegionPresets, saveRegionPreset } from '../catalog/queries/region-presets';
import { UserError } from '../common/errors';
import { labelsOf } from '../inference/pipelines/label-masks';
import type { LibraryHolder } from './library-service';
import { pngToMask } from './masks-service';

function renderRow(lib: Library, renderId: number): { width: number; height: number; view: string; kind: string } {
  const r = lib
    .sql<[number], { width: number; height: number; view: string; kind: string }>('SELECT r.width, r.height, v.slug AS view, r.kind FROM renders r JOIN views v ON v.id = r.view_id WHERE r.id = ?')
    .get(renderId);
  if (!r) throw new UserError('unknown-render', `no render #${renderId} in the library at ${lib.root}`, 'Reopen the shot from the library; it may have been deleted.');
  return r;
}

/** the pixels of each role in the render's label mask, in REGION_ROLES order */
async function rolePixels(file: string): Promise<number[]> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const labels = labelsOf(data, info.width * info.height);
  const counts = REGION_ROLES.map(() => 0);
  for (const l of labels) if (l >= 0) counts[l]!++;
  return counts;
}

/** a painted mask's non-black pixels and its weight in pixels (grey counts in part) */
async function maskPixels(file: string): Promise<{ pixels: number; weight: number }> {
  const m = await pngToMask(file);
  let pixels = 0;
  let weight = 0;
  for (const v of m.data) {
    if (v > 0) pixels++;
    weight += v / 255;
  }
  return { pixels, weight };
}

/** the roles the shot path (main/shots/shot-regions.ts) finds pixels for: the label mask's, else a painted garment mask for the garment */
export async function renderRegions(lib: Library, renderId: number): Promise<RenderRegionsRecord> {
  const r = renderRow(lib, renderId);
  const total = r.width * r.height;
  const labels = getRenderLabels(lib, renderId);
  const painted = labels ? undefined : getMask(lib, renderId, 'garment');
  let roles: RenderRegionsRecord['roles'];
  if (labels) {
    const counts = await rolePixels(assetFile(lib, labels.asset));
    roles = REGION_ROLES.map((role, i) => ({ role, pixels: counts[i]!, coverage: counts[i]! / total, source: counts[i]! > 0 ? 'label mask' : null }));
  } else {
    const garment = painted ? await maskPixels(assetFile(lib, painted.asset)) : { pixels: 0, weight: 0 };
    roles = REGION_ROLES.map((role) => (role === 'garment' && garment.pixels > 0 ? { role, pixels: garment.pixels, coverage: garment.weight / total, source: 'garment mask' } : { role, pixels: 0, coverage: 0, source: null }));
  }
  return {
    renderId,
    width: r.width,
    height: r.height,
    labels: labels?.asset ?? null,
    garmentMask: painted?.asset ?? null,
    roles,
    missingHint: `Import a label mask ${r.view}_${r.kind}.mask.png beside the render (background black, garment red, skin green, face blue), or paint the role in its colour in the label mask; without a label mask, a painted garment mask gives the garment role its pixels. A role without pixels keeps the shot's own settings.`,
  };
}

/** a generation's per-region report (metrics.regions), or null when it ran without a region preset */
export function generationRegions(lib: Library, generationId: number): GenerationRegionsRecord | null {
  const g = getGeneration(lib, generationId);
  const recorded = g.params.regions as { preset?: unknown; roles?: unknown } | undefined;
  if (!recorded || typeof recorded.preset !== 'string') return null;
  const layers = Array.isArray(g.metrics?.regions) ? (g.metrics.regions as RegionCostRecord[]) : [];
  return {
    generationId,
    preset: recorded.preset,
    roles: (recorded.roles ?? {}) as GenerationRegionsRecord['roles'],
    layers: layers.map((l) => ({ name: l.name, strength: l.strength, k: l.k, tacSteps: l.tacSteps, sampleEvaluations: l.sampleEvaluations, inversionSteps: l.inversionSteps })),
  };
}

function refuseBuiltInName(presets: RegionPreset[], name: string): void {
  const taken = presets.find((p) => p.builtIn && p.name.toLowerCase() === name.trim().toLowerCase());
  if (taken) throw new UserError('preset-built-in', `'${name.trim()}' is the name of the built-in preset '${taken.name}', which cannot be changed`, 'Save the copy under another name.');
}

export function createRegionsService(holder: LibraryHolder): RegionsService {
  return {
    list: async () => listRegionPresets(holder.require()),
    async save(name, roles) {
      const lib = holder.require();
      refuseBuiltInName(listRegionPresets(lib), name);
      return saveRegionPreset(lib, name, roles);
    },
    remove: async (id) => deleteRegionPreset(holder.require(), id),
    forRender: (renderId) => renderRegions(holder.require(), renderId),
    report: async (generationId) => generationRegions(holder.require(), generationId),
  };
}
