import type { Library } from '../catalog/index';
import { getRegionPreset } from '../catalog/queries/region-presets';
import { UserError } from '../common/errors';
import { presetRegions, type RegionRequest } from '../inference/pipelines/regions';

export interface ShotRegions {
  requests: RegionRequest[];
  /** what the generation records: the preset's name and the roles it ran with (a preset edited later does not rewrite history) */
  record: { preset: string; roles: Record<string, unknown> };
}

/** a library shot's regions: the named preset's roles on the render's label mask */
export function shotRegions(lib: Library, renderId: number, presetName: string | undefined, labels: string | undefined): ShotRegions | undefined {
  if (presetName === undefined) return undefined;
  const preset = getRegionPreset(lib, presetName);
  if (!labels) {
    throw new UserError(
      'no-label-mask',
      `render #${renderId} has no label mask, so the roles of region preset '${preset.name}' have no pixels`,
      'Import the render with its <view>_<kind>.mask.png label mask (colours in docs/region-passes.md), or shoot without a region preset.',
    );
  }
  return { requests: presetRegions(preset, labels), record: { preset: preset.name, roles: preset.roles } };
}
