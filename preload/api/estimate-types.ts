/** Types of the cost estimate (main/shots/shot-estimate.ts), shared by main, preload and renderer. */

/** 'measured': from this library's step times on this provider; 'guess': from the model's FLOPs and a rough speed per provider */
export type EstimateBasis = 'measured' | 'guess';

export type CostStage = 'encode' | 'inversion' | 'generation-tac' | 'generation' | 'decode' | 'other';

export interface StageCostRecord {
  stage: CostStage;
  /** UNet calls (steps) of the stage; 1 for the VAE and the rest */
  steps: number;
  /** batch rows per UNet call: inversion 1, generation 2 (negative, conditional), with TAC 3 (+ the reference row) */
  rows: number;
  seconds: number;
  basis: EstimateBasis;
}

export interface ShotCostRecord {
  seconds: number;
  basis: EstimateBasis;
  width: number;
  height: number;
  provider: string;
  stages: StageCostRecord[];
}

/** what a generate, sweep or batch would run (the fields mean what the generate job's do) */
export interface CostRequestRecord {
  /** the render whose aspect sets the canvas; none: a 3:4 portrait (the engine's default 768x1024) */
  renderId?: number;
  model: string;
  steps: number;
  strength: number;
  tacRatio: number;
  /** the model canvas's longer side; none: the engine's default 768x1024 */
  maxSide?: number;
  provider?: string;
  /** a sweep's TAC ratio x strength cells (one inversion per strength) */
  grid?: { tacRatio: number; strength: number }[];
  /** a batch of this many shots like this one (outfits, export with generation) */
  shots?: number;
  /** longer sides the UI can offer when a CPU run is slow (largest first); default 1024, 768, 512, 256, 128 */
  sides?: number[];
}

export interface CostEstimateRecord {
  seconds: number;
  basis: EstimateBasis;
  /** shots the request runs: sweep cells or `shots` */
  shots: number;
  /** the first shot's breakdown */
  shot: ShotCostRecord;
  /** the CPU runs it and one shot takes more than a minute */
  slow: boolean;
  /** when slow: the largest offered side whose shot is under a minute (else the smallest), with its estimate */
  smaller?: { maxSide: number; width: number; height: number; seconds: number };
}
