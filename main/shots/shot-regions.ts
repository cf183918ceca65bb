import { assetFile, getMask, type Library } from '../catalog/index';
import { getRegionPreset } from '../catalog/queries/region-presets';
import { UserError } from '../common/errors';
import { presetRegions, type RegionRequest } from '../inference/pipelines/regions';

export interface ShotRegions {
  requests: RegionRequest[];
  /** what the generation records: the preset's name and the roles it ran with (a preset edited later does not rewrite history) */
  record: { preset: string; roles: Record<string, unknown> };
}

/**
 * A library shot's regions: the named preset's roles on the render's label mask. A render
 * without one but with a painted garment mask runs the preset's garment role there; its other
 * roles have no pixels and take the shot's own settings.
 */
export function shotRegions(lib: Library, renderId: number, presetName: string | undefined, labels: string | undefined): ShotRegions | undefined {
  if (presetName === undefined) return undefined;
  const preset = getRegionPreset(lib, presetName);
  const record = { preset: preset.name, roles: preset.roles };
  if (labels) return { requests: presetRegions(preset, labels), record };
  const painted = getMask(lib, renderId, 'garment');
  if (painted && preset.roles.garment) return { requests: [{ name: 'garment', mask: assetFile(lib, painted.asset), ...preset.roles.garment }], record };
  throw new UserError(
    'no-label-mask',
    `render #${renderId} has no label mask${painted ? ` and region preset '${preset.name}' sets no garment role for its garment mask` : ''}, so the roles of region preset '${preset.name}' have no pixels`,
    'Import the render with its <view>_<kind>.mask.png label mask (colours in docs/region-passes.md), or shoot without a region preset.',
  );
}
