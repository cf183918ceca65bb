import type { GenerationParams } from './params';
import { loadParams, saveParams } from './saved-params';
import type { GarmentSummaryRecord, LibraryInfo, RenderRecord } from '../../../preload/api/library-types';

export type ViewName = 'library' | 'shot' | 'compare' | 'combos' | 'settings' | 'about';

/** what the whole UI shares: the open library, the page shown, the garment and render in hand */
class Studio {
  view = $state<ViewName>('library');
  library = $state<LibraryInfo | null>(null);
  garmentId = $state<number | null>(null);
  renderId = $state<number | null>(null);
  helpOpen = $state(false);
  /** the parameters panel's values; a sweep cell click sets them */
  params = $state<GenerationParams>(loadParams());
  /** the latest desktop menu command for the page (undo, zoom...), with a counter so repeats count */
  command = $state<{ name: string; seq: number } | null>(null);
  /** job kinds the backend runs; Generate and Sweep need 'generate' and 'sweep' */
  jobKinds = $state<string[] | null>(null);
  /**
   * what the compare view shows as A and B: a source key ('raster', 'raytrace', 'photo' or
   * 'gen-<id>' for a generation); the staging strip pins them, null leaves the view's default
   */
  compare = $state<{ a: string | null; b: string | null }>({ a: null, b: null });
  /** bumped when the catalog changes under the views (a library opened, a mask saved) */
  revision = $state(0);

  openShot(g: GarmentSummaryRecord, r?: RenderRecord): void {
    this.garmentId = g.id;
    this.renderId = (r ?? g.renders[0])?.id ?? null;
    this.view = 'shot';
  }
}

export const studio = new Studio();

// the panel's values outlive a reload
$effect.root(() => {
  $effect(() => saveParams($state.snapshot(studio.params)));
});
