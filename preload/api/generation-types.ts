/**
 * What the studio's Generate and Sweep buttons submit to the `jobs` service, and what they
 * expect back. The `generate` and `sweep` job kinds (over the R2R engine) take these.
 */

export interface GenerateJobParams {
  /** the open library's folder: the job worker opens it by path to read the render and record the generation */
  library: string;
  /** the catalog render to turn realistic; its stored edit and texture-lock masks apply */
  renderId: number;
  /** model folder (an SD 1.x ONNX export) */
  model: string;
  steps: number;
  /** denoising strength: the share of the schedule that is inverted and regenerated */
  strength: number;
  /** share of the K used steps during which TAC swaps query and key */
  tacRatio: number;
  /** how many of the UNet's highest-resolution levels get TAC (SD 1.x: 2) */
  tacLevels: number;
  /** the DDIM inversion's order: 'official' (the reference code's, the default) or 'ddim' (DDIMInverseScheduler's) */
  inversion?: InversionOrder;
  guidance: number;
  seed: number;
  prompt: string;
  negative: { kind: 'embedding'; path: string } | { kind: 'prompt'; text: string };
  /** the model canvas's longer side (the other follows the render's aspect); default 768x1024 */
  maxSide?: number;
  /** execution provider ('cpu', 'cuda', ...); default: the platform's best that starts */
  provider?: string;
  /** the outfit (combo id) the shot is generated for, from the Combos view: recorded in the generation's params */
  comboId?: number;
  /** a region preset of the library (by name): its roles' settings on the render's label mask */
  regionPreset?: string;
}

// the engine's defaults (main/inference owns them); the studio's parameters panel reads them here
export { GENERATION_DEFAULTS, INVERSION_ORDERS, type InversionOrder } from '../../main/inference/generation-defaults';
import type { InversionOrder } from '../../main/inference/generation-defaults';

export interface SweepJobParams extends GenerateJobParams {
  /** one image per cell; strength and tacRatio of the cell replace the base values */
  grid: { tacRatio: number; strength: number }[];
}

/** a finished generate job: the catalog generation and its output image */
export interface GenerateJobResult {
  generationId: number;
  /** asset hash of the output image */
  output: string;
  /** its path inside the library folder */
  outputPath: string;
}

export interface SweepJobResult {
  cells: { tacRatio: number; strength: number; output: string; outputPath?: string; generationId?: number }[];
}
