import type { CostEstimateRecord, CostRequestRecord } from '../../../preload/api/estimate-types';
import { api } from './api';
import { CANVAS_SIDES, type GenerationParams } from './params';

/** "12 s", "4 min", "1 h 20 min": an estimate is rounded to what a person plans with */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 1) return 'under 1 s';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** what the basis means, for the estimate's label */
export function basisNote(e: CostEstimateRecord): string {
  return e.basis === 'measured'
    ? `measured on ${e.shot.provider} in this library`
    : `rough guess from the model's size (no shot measured yet on ${e.shot.provider})`;
}

/**
 * The estimate request of the parameters panel's values for a render (none: a 3:4 portrait),
 * with the sides the Size control offers as smaller sizes.
 */
export function costRequestOf(params: GenerationParams, renderId: number | null, extra: Pick<CostRequestRecord, 'grid' | 'shots'> = {}): CostRequestRecord | null {
  if (!params.model) return null;
  return {
    ...(renderId !== null ? { renderId } : {}),
    model: params.model,
    steps: params.steps,
    strength: params.strength,
    tacRatio: params.tacRatio,
    ...(params.maxSide > 0 ? { maxSide: params.maxSide } : {}),
    sides: CANVAS_SIDES.filter((s) => s > 0),
    ...extra,
  };
}

/**
 * The latest estimate of a changing request: each change asks again after a short pause, and
 * an answer to an older request never replaces a newer one.
 */
export class LiveEstimate {
  estimate = $state<CostEstimateRecord | null>(null);
  error = $state<string | null>(null);
  private asked = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  update(request: CostRequestRecord | null, delayMs = 150): void {
    clearTimeout(this.timer);
    const ticket = ++this.asked;
    if (!request) {
      this.estimate = null;
      this.error = null;
      return;
    }
    this.timer = setTimeout(() => {
      api.estimates.cost(request).then(
        (e) => {
          if (ticket !== this.asked) return;
          this.estimate = e;
          this.error = null;
        },
        (err: Error) => {
          if (ticket !== this.asked) return;
          this.estimate = null;
          this.error = err.message;
        },
      );
    }, delayMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.asked++;
  }
}
