export interface FailureLimiter {
  /** seconds until `key` may try again; 0 when it may now */
  retryAfter(key: string): number;
  /** counts a failed attempt of `key` */
  fail(key: string): void;
}

export interface FailureLimiterOptions {
  /** failures allowed per window */
  max: number;
  windowMs: number;
  now?: () => number;
  /** keys kept at most; the stalest are dropped first, so a flood of addresses cannot grow memory */
  maxKeys?: number;
}

/** N failures per sliding window per key (a remote address): the brake on guessing access tokens */
export function createFailureLimiter(opts: FailureLimiterOptions): FailureLimiter {
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 10_000;
  const failures = new Map<string, number[]>();

  const recent = (key: string): number[] => {
    const since = now() - opts.windowMs;
    const kept = (failures.get(key) ?? []).filter((t) => t > since);
    if (kept.length) failures.set(key, kept);
    else failures.delete(key);
    return kept;
  };

  return {
    retryAfter(key) {
      const times = recent(key);
      if (times.length < opts.max) return 0;
      // free again once enough of the oldest failures leave the window
      const freedAt = times[times.length - opts.max]! + opts.windowMs;
      return Math.max(1, Math.ceil((freedAt - now()) / 1000));
    },
    fail(key) {
      const times = recent(key);
      times.push(now());
      failures.delete(key);
      failures.set(key, times);
      while (failures.size > maxKeys) failures.delete(failures.keys().next().value!);
    },
  };
}
