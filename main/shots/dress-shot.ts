import type { R2RStepEvent } from '../inference/pipelines/r2r';
import type { Preview } from '../inference/pipelines/latent-preview';

export type GarmentRole = 'top' | 'bottom' | 'outer' | 'dress' | 'shoes';
export const GARMENT_ROLES: readonly GarmentRole[] = ['top', 'bottom', 'outer', 'dress', 'shoes'];

/** a box on the canvas as fractions of its width and height */
export interface CanvasBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DressGarment {
  /** the garment's image (PNG) */
  image: string;
  role: GarmentRole;
  /** how strongly the garment's features act in its region, 0..1 (default 1) */
  fidelity?: number;
  /** where the garment is worn; default from the auto layout by role */
  region?: CanvasBox;
  /** a region mask PNG (white = the garment's region) instead of a box */
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
  regions: { name: string; role: string; box: CanvasBox }[];
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
}

export interface DressShotResult {
  output: string;
  report: DressShotReport;
}
