import type { RegionPreset, RegionRole, RenderRegionsRecord } from '../../../preload/api/region-types';
import { api } from './api';
import { studio } from './studio.svelte';

/** what the Regions panel and the canvas's role overlay share in the Shot view */
class ShotRegions {
  presets = $state<RegionPreset[]>([]);
  /** the roles of the render in hand (its label mask), null while loading or with no render */
  render = $state<RenderRegionsRecord | null>(null);
  /** the role colours on the canvas (shortcut O) */
  overlay = $state(false);

  /** the chosen preset (studio.params.regionPreset), undefined for none */
  get chosen(): RegionPreset | undefined {
    const name = studio.params.regionPreset;
    return name ? this.presets.find((p) => p.name === name) : undefined;
  }

  /** the roles the overlay paints: the chosen preset's, or all of them with none chosen */
  get shownRoles(): RegionRole[] {
    const roles = this.chosen?.roles;
    return (this.render?.roles ?? []).map((r) => r.role).filter((role) => !roles || roles[role] !== undefined);
  }

  async loadPresets(): Promise<void> {
    this.presets = await api.regions.list();
    // a preset another library had, or one deleted since: the shot runs without one
    if (studio.params.regionPreset && !this.presets.some((p) => p.name === studio.params.regionPreset)) studio.params.regionPreset = '';
  }

  async loadRender(renderId: number, stale: () => boolean): Promise<void> {
    this.render = null;
    const r = await api.regions.forRender(renderId);
    if (!stale()) this.render = r;
  }
}

export const shotRegions = new ShotRegions();
