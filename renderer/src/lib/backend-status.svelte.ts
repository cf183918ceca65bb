import { api, transportName } from './api';
import { studio } from './studio.svelte';

/** a failed backend call as the UI shows it: which call, the backend's message and hint */
export interface BackendFailure {
  call: string;
  message: string;
  hint?: string;
}

/** an ApiError keeps the backend's message and hint; anything else (a dropped connection) says what to check */
export function asFailure(call: string, err: unknown): BackendFailure {
  const e = err as { message?: unknown; hint?: unknown; code?: unknown } | null;
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  if (typeof e?.hint === 'string' && e.hint) return { call, message, hint: e.hint };
  if (typeof e?.code === 'string') return { call, message };
  const hint = transportName === 'browser' ? 'Check that `r2r serve` is still running, then retry.' : 'Restart R2R Studio if retrying does not help.';
  return { call, message, hint };
}

/** what the UI asks the backend before anything else, and how that went */
class BackendStart {
  failure = $state<BackendFailure | null>(null);
  busy = $state(false);

  /**
   * the job kinds the backend runs and the open library, each kept when it arrives (a library
   * still opens when capabilities fail); the first failure stays up with a Retry
   */
  async load(): Promise<void> {
    this.busy = true;
    const [caps, library] = await Promise.allSettled([api.studio.capabilities(), api.library.current()]);
    if (caps.status === 'fulfilled') studio.jobKinds = caps.value.jobKinds;
    if (library.status === 'fulfilled') studio.library = library.value;
    const failed = caps.status === 'rejected' ? asFailure('studio.capabilities', caps.reason) : library.status === 'rejected' ? asFailure('library.current', library.reason) : null;
    // views that asked while the backend was failing ask again
    if (this.failure && !failed) studio.revision++;
    this.failure = failed;
    this.busy = false;
  }
}

export const backendStart = new BackendStart();

/** why a backend-dependent action cannot run yet, while the start-up answers are missing */
export function waitingForBackend(): string {
  return backendStart.failure ? `The backend failed: ${backendStart.failure.message}` : 'Asking the backend…';
}
