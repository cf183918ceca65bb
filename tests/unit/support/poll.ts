/** resolves with the first defined value of `check`, polled every `everyMs`; rejects after `ms` */
export function pollUntil<T>(check: () => T | undefined, ms: number, everyMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const v = check();
      if (v !== undefined) return resolve(v);
      if (Date.now() - started > ms) return reject(new Error('timed out'));
      setTimeout(tick, everyMs);
    };
    tick();
  });
}
