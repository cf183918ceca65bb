import type { CostRequestRecord, ShotCostRecord } from '../../preload/api/estimate-types';
import type { JobProgress } from '../../preload/api/job-types';

/** a step the engine reported (R2RStepEvent's stage and 1-based step) */
export interface StepReport {
  stage: 'inversion' | 'generation';
  step: number;
}

/**
 * Where one shot stands in work, not steps: each part weighs its estimated seconds, so a
 * generation step (2 rows with guidance, 3 with TAC) counts two to three inversion steps
 * and the VAE's encode and decode count too.
 */
export class ShotWork {
  readonly encode: number;
  readonly inversionStep: number;
  readonly inversionSteps: number;
  readonly tacStep: number;
  readonly tacSteps: number;
  readonly plainStep: number;
  readonly plainSteps: number;
  readonly tail: number;
  private inversionSkipped = false;
  private inversionSeen = false;

  constructor(cost: ShotCostRecord) {
    const of = (stage: string) => cost.stages.find((s) => s.stage === stage);
    const per = (stage: string) => {
      const s = of(stage);
      return s && s.steps > 0 ? s.seconds / s.steps : 0;
    };
    this.encode = of('encode')?.seconds ?? 0;
    this.inversionStep = per('inversion');
    this.inversionSteps = of('inversion')?.steps ?? 0;
    this.tacStep = per('generation-tac');
    this.tacSteps = of('generation-tac')?.steps ?? 0;
    this.plainStep = per('generation');
    this.plainSteps = of('generation')?.steps ?? 0;
    this.tail = (of('decode')?.seconds ?? 0) + (of('other')?.seconds ?? 0);
  }

  private get inversionWork(): number {
    return this.inversionSkipped ? 0 : this.encode + this.inversionSteps * this.inversionStep;
  }

  get total(): number {
    return this.inversionWork + this.tacSteps * this.tacStep + this.plainSteps * this.plainStep + this.tail;
  }

  /** work done once this step finished; a generation step before any inversion step means the inversion came from the cache */
  doneAfter(e: StepReport): number {
    if (e.stage === 'inversion') {
      this.inversionSeen = true;
      return this.encode + Math.min(e.step, this.inversionSteps) * this.inversionStep;
    }
    if (!this.inversionSeen) this.inversionSkipped = true;
    const tac = Math.min(e.step, this.tacSteps);
    const plain = Math.min(Math.max(e.step - this.tacSteps, 0), this.plainSteps);
    return this.inversionWork + tac * this.tacStep + plain * this.plainStep;
  }
}

/**
 * Work done against work planned, and the time left from the pace so far: elapsed x
 * remaining / done. Before any work is done the plan's own seconds stand in.
 */
export class WorkMeter {
  private readonly started: number;

  constructor(
    private total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** the plan changed (a cached inversion skipped): the remaining work is re-counted */
  setTotal(total: number): void {
    this.total = total;
  }

  progress(done: number): Pick<JobProgress, 'work' | 'etaSeconds'> {
    const total = Math.max(this.total, 0);
    const d = Math.min(Math.max(done, 0), total);
    const elapsed = (this.now() - this.started) / 1000;
    const eta = d > 0 ? (elapsed * (total - d)) / d : Math.max(total - elapsed, 0);
    return { work: { done: d, total }, etaSeconds: Math.round(eta * 10) / 10 };
  }
}

/** the estimate request of a generate or sweep job's params */
export function costRequestOfJob(p: { renderId: number; model: string; steps: number; strength: number; tacRatio: number; maxSide?: number; provider?: string }): CostRequestRecord {
  return {
    renderId: p.renderId,
    model: p.model,
    steps: p.steps,
    strength: p.strength,
    tacRatio: p.tacRatio,
    ...(p.maxSide !== undefined ? { maxSide: p.maxSide } : {}),
    ...(p.provider !== undefined ? { provider: p.provider } : {}),
  };
}
