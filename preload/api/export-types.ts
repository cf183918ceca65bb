/** Types of batch export from the studio, shared by main, preload and renderer. */

export type ExportSourceName = 'realistic' | 'raytrace' | 'raster';

/** a built-in export preset and what it does, for the export dialog */
export interface ExportPresetRecord {
  name: string;
  title: string;
  description?: string;
  canvas: { width: number; height: number };
  /** the smallest longest side a size override may ask for */
  minLongestSide?: number;
  /** share of the frame the product spans at least */
  fill: number;
  /** allowed formats, the first is the default */
  formats: string[];
  /** the file naming template */
  naming: string;
}

/** what `jobs.submit('export', params)` takes */
export interface ExportJobParamsRecord {
  /** absolute folder of the library (the open one) */
  library: string;
  /** absolute folder the files go to (created when missing) */
  outDir: string;
  preset: string;
  format?: 'jpeg' | 'png' | 'webp';
  /** longest side in pixels */
  size?: number;
  source: ExportSourceName;
  /** the library view's filters, or an outfit (combo id): its garments only */
  selection: { category?: string; colorway?: string; text?: string; tag?: string; hasGeneration?: boolean; combo?: number };
  generate?: 'none' | 'missing' | 'all';
  /** model folder, needed when generate is not `none` */
  model?: string;
  genWidth?: number;
  genHeight?: number;
  /** the model canvas's longer side instead (the other follows each render's aspect); genWidth/genHeight win */
  genSide?: number;
  steps?: number;
  /** the shots are made by the remote workers set up in Settings (their Redis URL never travels in the params) */
  remoteWorkers?: boolean;
  /** one dressed shot per combo and view instead of garment shots: the latest dressed shot, else dressed now with `model` */
  outfits?: boolean;
  /** the combos to dress (default: the selection's combo, else every combo) */
  combos?: number[];
  /** dress every combo view anew instead of exporting its latest dressed shot */
  redress?: boolean;
  /** the person, pose and background of the views dressed now (default: the Dress panel's starting prompt) */
  outfitPrompt?: string;
  /** noise seed of the views dressed now (default 1) */
  outfitSeed?: number;
}

/** what a finished export job returns */
export interface ExportJobResultRecord {
  jobId: string;
  resumed: boolean;
  total: number;
  done: number;
  failed: number;
  /** items finished by earlier runs of the same job */
  alreadyDone: number;
  /** views without a generated shot, left out (realistic source) */
  missing: number;
  outDir: string;
  report?: { json: string; html: string };
  generation?: { planned: number; generated: number; failed: number; alreadyGenerated: number };
  /** an outfits export: combo views planned, dressed now, reused, skipped, and the sample-evaluations spent */
  outfits?: { planned: number; dressed: number; reused: number; skipped: number; sampleEvaluations: number };
}
