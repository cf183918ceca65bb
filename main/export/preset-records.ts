import type { ExportPresetRecord } from '../../preload/api/export-types';
import { builtinPresetNames, loadPreset } from './presets';

/** the built-in presets as the studio lists them */
export function builtinPresetRecords(): ExportPresetRecord[] {
  return builtinPresetNames().map((name) => {
    const p = loadPreset(name);
    return {
      name: p.name,
      title: p.title,
      ...(p.description ? { description: p.description } : {}),
      canvas: { ...p.canvas },
      ...(p.minLongestSide !== undefined ? { minLongestSide: p.minLongestSide } : {}),
      fill: p.fill,
      formats: [...p.formats],
      naming: p.naming.template,
    };
  });
}
