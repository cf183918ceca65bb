import type { GenerationParameters } from './metadata/a1111-parameters';

/** what to export, fixed when the job is created: the same command finds the same job */
export interface ExportJobParams {
  library: string;
  outDir: string;
  preset: string;
  /** hash of the resolved preset, so an edited custom preset makes a new job */
  presetSha256: string;
  format: string;
  source: 'realistic' | 'raytrace' | 'raster';
  selection: Record<string, unknown>;
  generate: 'none' | 'missing' | 'all';
  /** model and settings of generated shots (absent with generate `none`, keeping older job ids) */
  generation?: Record<string, unknown>;
  /** an outfits export: its combos and dressing settings (absent for garment exports, keeping older job ids) */
  outfits?: Record<string, unknown>;
}

/** a dressed shot of a combo in one view, as the export found or made it */
export interface OutfitShot {
  comboId: number;
  combo: string;
  view: string;
  /** reused: the combo's latest dressed shot of the view; dressed: made by this export; skipped: see error */
  status: 'reused' | 'dressed' | 'skipped';
  generationId?: number;
  /** UNet batch rows the shot cost when it was dressed (this export spent them only when dressed) */
  sampleEvaluations?: number;
  error?: string;
}

/** one file the job will write */
export interface PlanItem {
  index: number;
  /** stable identity: sku/colorway/view/kind */
  key: string;
  sku: string;
  colorway: string;
  view: string;
  kind: string;
  category: string;
  /** path of the source image file */
  sourcePath: string;
  /** set for generated shots */
  generation?: GenerationParameters;
  /** set for an outfit's dressed shot */
  outfit?: OutfitShot;
  /** output path relative to the out folder (empty for a skipped outfit shot) */
  file: string;
}

export interface ExportJobRecord {
  id: string;
  createdAt: string;
  params: ExportJobParams;
  plan: PlanItem[];
}

export type ItemOutcome =
  | { index: number; status: 'done'; file: string; bytes: number; width: number; height: number; sha256: string; fill: number }
  | { index: number; status: 'failed'; error: string };

export interface StoredJob {
  record: ExportJobRecord;
  /** the latest outcome of each item that has one, by plan index */
  outcomes: Map<number, ItemOutcome>;
  finishedAt?: string;
}

/**
 * Where export jobs live. Writes must be durable once the call returns: a process killed
 * right after resumes from them.
 */
export interface ExportJobStore {
  find(jobId: string): StoredJob | undefined;
  create(record: ExportJobRecord): void;
  recordOutcome(jobId: string, outcome: ItemOutcome): void;
  markFinished(jobId: string, at: string): void;
  close(): void;
}
